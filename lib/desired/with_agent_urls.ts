/**
 * The agent config's `[services.<name>] urls` joined into the desired state. Pure.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import type { ProxyUrl } from "./proxy_urls.ts";
import type { DesiredState } from "./types.ts";

/**
 * Gives each service, ready or blocked (the snippet keeps a blocked service's routes), the agent
 * config's `urls` where config.yml sets none for it; where both do, config.yml's are kept whole
 * (they travel with the commit, as `user` and `health` do) and a warning at the agent config's
 * line names its urls as unused. A hostname both files claim for two services is then the
 * snippet's "claimed twice" error, naming both places.
 *
 * @example
 * ```ts
 * const urls = [{ host: "app.example.org", name: "web", port: 8080, line: 7 }];
 * withAgentUrls(desired, { web: { urls } }, "/etc/hoist/config.toml").services[0]?.urls;
 * // { file: "/etc/hoist/config.toml", urls, where: "[services.web] urls" }
 * ```
 */
export function withAgentUrls(
  desired: DesiredState,
  options: Readonly<Record<string, { readonly urls?: readonly ProxyUrl[] }>>,
  file: string,
): DesiredState {
  const problems: Problem[] = [];
  const services = desired.services.map((s) => {
    const urls = options[s.name]?.urls;
    if (urls === undefined) return s;
    if (s.urls === undefined) {
      return { ...s, urls: { file, urls, where: `[services.${s.name}] urls` } };
    }
    problems.push(problem(
      "warning",
      `[services.${s.name}] urls is unused: ${s.urls.file} sets services.${s.name}.urls`,
      {
        file,
        line: urls[0]?.line,
        service: s.name,
        hint: `Keep one: remove it from ${file} or from ${s.urls.file}`,
      },
    ));
    return s;
  });
  if (problems.length === 0 && services.every((s, i) => s === desired.services[i])) {
    return desired;
  }
  return { ...desired, services, problems: [...desired.problems, ...problems] };
}
