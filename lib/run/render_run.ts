/**
 * `hoist render SERVICE`: the unit files hoist would write for one service.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { HoistError, type Problem } from "../errors.ts";
import { fetchSources, loadSources } from "./fetch_sources.ts";
import { withLockedStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";
import { desiredFromSources } from "./desired_from_sources.ts";
import { prepareSecrets } from "./prepare_secrets.ts";

/** What render reports. */
export interface RenderReport {
  /** Absolute path and content of each unit; none when the service is blocked. */
  readonly units: readonly { readonly path: string; readonly content: string }[];
  readonly problems: readonly Problem[];
  readonly blocked: boolean;
}

/** Renders `service` from the fetched commit; an unknown service is the outcome's error. */
export function runRender(
  deps: Deps,
  config: Config,
  service: string,
): Promise<Outcome<RenderReport>> {
  return attempt(async () => {
    const desired = await withLockedStore(deps, config, 60_000, async (store) => {
      const fetched = await fetchSources(deps, config, store, { allowRollback: false });
      const loaded = await loadSources(fetched);
      const secrets = await prepareSecrets(deps, config, loaded, { prune: false });
      return desiredFromSources(config, loaded, secrets);
    });
    const svc = desired.services.find((s) => s.name === service);
    if (!svc) {
      throw new HoistError(
        "not-found",
        `no service ${service} in ${desired.root}/config.yml`,
        `Services: ${desired.services.map((s) => s.name).join(", ") || "none"}`,
      );
    }
    return {
      units: svc.status === "ready"
        ? svc.units.map((u) => ({ path: `${config.quadletDir}/${u.path}`, content: u.content }))
        : [],
      problems: [...desired.problems, ...svc.problems],
      blocked: svc.status === "blocked",
    };
  });
}
