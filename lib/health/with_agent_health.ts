/**
 * The agent config's `[services.<name>] health` joined into the desired state. Pure.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import type { HealthSettings } from "../desired/health_settings.ts";
import type { DesiredState, ReadyService } from "../desired/types.ts";
import { composeTargets } from "./compose_checks.ts";

/**
 * Gives each ready service the agent config's health settings where the repository (config.yml's
 * `services.<name>.health`) sets none; where both do, config.yml's are kept (they travel with the
 * commit) and a warning names the agent config's as unused. A `health.compose` entry that names no
 * compose service of the project (or a service that is no compose project) is a warning too.
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
    if (s.status === "ready" && s.health !== undefined) {
      problems.push(...unknownComposeServices(s, s.health, undefined));
    }
    if (health === undefined || s.status !== "ready") return s;
    if (s.health === undefined) {
      problems.push(...unknownComposeServices(s, health, file));
      return { ...s, health };
    }
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
  if (problems.length === 0 && services.every((s, i) => s === desired.services[i])) {
    return desired;
  }
  return { ...desired, services, problems: [...desired.problems, ...problems] };
}

/** Warnings for `health.compose` names that are no compose service of `s`. */
function unknownComposeServices(
  s: ReadyService,
  health: HealthSettings,
  file: string | undefined,
): Problem[] {
  const { compose, composePlaces: places } = health;
  if (compose === undefined) return [];
  const known = composeTargets(s).map((t) => t.service);
  return Object.keys(compose).filter((n) => !known.includes(n)).sort().map((n) => {
    const at = places?.[n];
    const where = at?.file ?? file;
    return problem(
      "warning",
      known.length === 0
        ? `services.${s.name}.health.compose.${n} is unused: ${s.name} is no compose project`
        : `services.${s.name}.health.compose.${n} is unused: ${s.name} has no compose service ${n}`,
      {
        ...(where === undefined ? {} : { file: where }),
        ...(at?.line === undefined ? {} : { line: at.line }),
        service: s.name,
        hint: known.length === 0
          ? "Write the checks as health's own keys, or remove compose:"
          : `Its compose services: ${known.join(", ")}`,
      },
    );
  });
}
