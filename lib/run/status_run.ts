/**
 * `hoist status`: the desired state of the fetched commit against the host, per service.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import type { Problem } from "../errors.ts";
import { holdBack } from "../health/breaker.ts";
import { withStatusHealth } from "../health/status_health.ts";
import { keepStopped } from "../reconcile/keep_stopped.ts";
import { type StatusRow, statusRows } from "../render/status_table.ts";
import { recordedStops } from "../state/remote_store.ts";
import { fetchSources } from "./fetch_sources.ts";
import { withLockedStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";
import { planFromSources } from "./plan_sources.ts";

/** What status reports. */
export interface StatusReport {
  readonly revision: string;
  readonly host: string;
  readonly rows: readonly StatusRow[];
  readonly problems: readonly Problem[];
}

/** Fetches (without applying) and compares each service's desired hash with what runs. */
export function runStatus(deps: Deps, config: Config): Promise<Outcome<StatusReport>> {
  return attempt(() =>
    withLockedStore(deps, config, 60_000, async (store) => {
      const fetched = await fetchSources(deps, config, store, { allowRollback: false });
      const planned = await planFromSources(deps, config, fetched, store);
      const stops = keepStopped(planned.plan, planned.desired, recordedStops(config.stateDir));
      const stopped = new Map(stops.kept.map((s) => [s.service, s]));
      // what the next apply's breaker would hold back, and each service's last verdict
      const gated = holdBack(stops.plan, store.failedHashes(), []);
      const rows = statusRows(planned.desired, planned.observed).map((r) => {
        const s = stopped.get(r.service);
        return s === undefined ? r : { ...r, stopped: { principal: s.principal, at: s.at } };
      });
      const checks = rows.flatMap((r) =>
        store.healthHistory(r.service, 8).flatMap((h) => h.type === "check" ? [h] : [])
      );
      return {
        revision: planned.desired.revision,
        host: config.host,
        rows: withStatusHealth(rows, checks, gated.held),
        problems: gated.plan.problems,
      };
    })
  );
}
