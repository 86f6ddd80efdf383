/**
 * The default probe. Pure.
 *
 * @module
 */
import { DEFAULT_HEALTH, type HealthSettings } from "../desired/health_config.ts";

/**
 * The settings the gate judges by: the service's own, or the defaults; `auto` becomes the
 * image's HEALTHCHECK (`container`) when the container has one, else `settle`.
 *
 * @example
 * ```ts
 * resolveProbe(undefined, false).probe; // { kind: "settle" }
 * ```
 */
export function resolveProbe(
  settings: HealthSettings | undefined,
  hasHealthcheck: boolean,
): HealthSettings {
  const s = settings ?? DEFAULT_HEALTH;
  if (s.probe.kind !== "auto") return s;
  return { ...s, probe: hasHealthcheck ? { kind: "container" } : { kind: "settle" } };
}
