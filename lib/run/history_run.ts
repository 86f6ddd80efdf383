/**
 * `hoist history [SERVICE]` ({@link runHistory}): the recorded deployments, newest first, each
 * with its health verdicts and rollbacks.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import type { DeploymentRow } from "../state/store_deployments.ts";
import type { HealthHistoryRow } from "../state/health_records.ts";
import { openConfigStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";

/** One deployment with the health checks and rollbacks recorded with it. */
export interface HistoryEntry {
  readonly deployment: DeploymentRow;
  readonly health: readonly HealthHistoryRow[];
}

/**
 * `hoist history [SERVICE]`: the last `limit` deployments, newest first, each with its health
 * verdicts and rollbacks (with SERVICE: only those that judged or rolled back that service).
 */
export function runHistory(
  deps: Deps,
  config: Config,
  opts: { service?: string; limit: number },
): Promise<Outcome<HistoryEntry[]>> {
  return attempt(async () => {
    const store = await openConfigStore(deps, config);
    try {
      const health = store.healthHistory(opts.service, opts.limit * 20);
      const deployments = store.deployments(
        opts.service === undefined ? opts.limit : opts.limit * 20,
      );
      return deployments
        .map((d) => ({
          deployment: d,
          health: inRunOrder(health.filter((h) => h.deploymentId === d.id).reverse()),
        }))
        .filter((e) => opts.service === undefined || e.health.length > 0)
        .slice(0, opts.limit);
    } finally {
      store.close();
    }
  });
}

/** Per service: its verdict, then its rollback, then the rolled-back revision's verdict. */
function inRunOrder(rows: readonly HealthHistoryRow[]): HealthHistoryRow[] {
  const rank = (h: HealthHistoryRow) => h.type === "rollback" ? 1 : h.phase === "deploy" ? 0 : 2;
  return [...rows].sort((a, b) =>
    a.service < b.service ? -1 : a.service > b.service ? 1 : rank(a) - rank(b)
  );
}
