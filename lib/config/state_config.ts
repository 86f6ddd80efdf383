/**
 * `[state]` of the agent config: how much history the state DB keeps. Pure; `config_schema.ts`
 * puts the schema in its own.
 *
 * ```toml
 * [state]
 * keep_deployments = 200   # deployments kept, with their actions, health checks and rollbacks
 * ```
 *
 * @module
 */
import { z } from "zod";

/** What the state DB keeps. */
export interface StateConfig {
  /** Deployments kept (newest); older ones are pruned after each recorded deployment. */
  readonly keepDeployments: number;
}

/** The default: 200 deployments. */
export const DEFAULT_KEEP_DEPLOYMENTS = 200;

/** The schema of `[state]`. */
export const stateSchema = z.strictObject({
  keep_deployments: z.number().int("must be a whole number").min(
    1,
    "must be at least 1",
  ).max(1_000_000, "must be at most 1000000").optional(),
});

/** `[state]` as parsed → {@link StateConfig}. */
export function stateConfig(parsed: z.infer<typeof stateSchema> | undefined): StateConfig {
  return { keepDeployments: parsed?.keep_deployments ?? DEFAULT_KEEP_DEPLOYMENTS };
}
