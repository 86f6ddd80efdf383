/**
 * The agent config's `[services.<name>] health` joined into the desired state. Pure.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import type { HealthSettings } from "../desired/health_config.ts";
import type { DesiredState } from "../desired/types.ts";

/**
 * Gives each ready service the agent config's health settings where the repository (config.yml's
 * `services.<name>.health`) sets none; where both do, config.yml's are kept (they travel with the
 * commit) and a warning names the agent config's as unused.
 *
 * @example
 * ```ts
 * withAgentHealth(desired, { web: { health } }, "/etc/hoist/config.toml").services[0]?.health;
 * ```
 */
export function withAgentHealth(
  desired: DesiredState,
  options: Readonly<Record<string, { readonly health?: HealthSettings }>>,
  file: string,
): DesiredState {
  const problems: Problem[] = [];
  const services = desired.services.map((s) => {
    const health = options[s.name]?.health;
    if (health === undefined || s.status !== "ready") return s;
    if (s.health === undefined) return { ...s, health };
    problems.push(problem(
      "warning",
      `[services.${s.name}] health is unused: config.yml sets services.${s.name}.health`,
      {
        file,
        service: s.name,
        hint: `Keep one: remove it from ${file} or from config.yml`,
      },
    ));
    return s;
  });
  if (services.every((s, i) => s === desired.services[i])) return desired;
  return { ...desired, services, problems: [...desired.problems, ...problems] };
}
