/**
 * The state store's deployments: each with its actions and inventory changes, read back, pruned.
 *
 * @module
 */
import type { DeploymentRecord } from "../reconcile/records.ts";
import type { StoreContext } from "./store_context.ts";
import { putSources } from "./store_sources.ts";

/** A deployment as read back. */
export interface DeploymentRow {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly host: string;
  readonly revision: string;
  readonly status: string;
  readonly error: string | null;
  readonly actions: number;
}

/** The store's `recordDeployment`, `deployments` and `pruneDeployments`. */
export function storeDeployments({ db, guard, tx }: StoreContext) {
  return {
    recordDeployment(d: DeploymentRecord): number {
      return tx("record the deployment", () => {
        const res = db.prepare(
          "INSERT INTO deployments (started_at, finished_at, host, revision, status, error) VALUES (?, ?, ?, ?, ?, ?)",
        ).run(d.startedAt, d.finishedAt, d.host, d.revision, d.status, d.error ?? null);
        const id = Number(res.lastInsertRowid);
        const action = db.prepare(
          "INSERT INTO actions (deployment_id, seq, kind, service, unit, reason, result, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        );
        d.actions.forEach((a, i) =>
          action.run(id, i, a.kind, a.service, a.unit, a.reason, a.result, a.error ?? null)
        );
        const inv = d.inventory;
        const delUnit = db.prepare("DELETE FROM inventory_units WHERE path = ?");
        for (const p of inv.deleteUnits) delUnit.run(p);
        const putUnit = db.prepare(
          "INSERT OR REPLACE INTO inventory_units (path, service, service_unit, user) VALUES (?, ?, ?, ?)",
        );
        for (const u of inv.upsertUnits) {
          putUnit.run(u.path, u.service, u.serviceUnit, u.user ?? null);
        }
        const delSvc = db.prepare("DELETE FROM services WHERE name = ?");
        // a removed service's healthy revisions go with it: their copies are pruned, and one
        // added back (perhaps with another `user =`) must not be rolled back into them
        const delHealthy = db.prepare("DELETE FROM healthy_revisions WHERE service = ?");
        for (const n of inv.deleteServices) {
          delSvc.run(n);
          delHealthy.run(n);
        }
        const putSvc = db.prepare(
          "INSERT OR REPLACE INTO services (name, hash, inputs, service_units, revision, changed_at, user) VALUES (?, ?, ?, ?, ?, ?, ?)",
        );
        for (const s of inv.upsertServices) {
          putSvc.run(
            s.name,
            s.hash,
            JSON.stringify(s.inputs),
            JSON.stringify(s.serviceUnits),
            s.revision,
            s.changedAt,
            s.user ?? null,
          );
        }
        putSources(db, d.sources ?? []);
        return id;
      });
    },
    deployments(limit: number): DeploymentRow[] {
      return guard("read the deployments", () =>
        db.prepare(
          `SELECT d.*, (SELECT count(*) FROM actions a WHERE a.deployment_id = d.id) AS n
         FROM deployments d ORDER BY d.id DESC LIMIT ?`,
        ).all(limit).map((r) => ({
          id: Number(r.id),
          startedAt: String(r.started_at),
          finishedAt: String(r.finished_at),
          host: String(r.host),
          revision: String(r.revision),
          status: String(r.status),
          error: r.error === null ? null : String(r.error),
          actions: Number(r.n),
        })));
    },
    pruneDeployments(keep: number): number {
      return tx("prune old deployments", () => {
        // each service's healthy revisions (rollback targets, with their unit texts): the newest
        // `keep`, as for deployments, so the table cannot grow with every commit forever
        db.prepare(
          "DELETE FROM healthy_revisions WHERE rowid IN (SELECT rowid FROM (SELECT rowid, " +
            "ROW_NUMBER() OVER (PARTITION BY service ORDER BY at DESC, rowid DESC) AS n " +
            "FROM healthy_revisions) WHERE n > ?)",
        ).run(Math.max(1, keep));
        const row = db.prepare("SELECT id FROM deployments ORDER BY id DESC LIMIT 1 OFFSET ?")
          .get(Math.max(0, keep));
        if (row === undefined) return 0;
        const last = Number(row.id);
        for (const table of ["actions", "health_checks", "rollbacks"]) {
          db.prepare(`DELETE FROM ${table} WHERE deployment_id <= ?`).run(last);
        }
        return Number(db.prepare("DELETE FROM deployments WHERE id <= ?").run(last).changes);
      });
    },
  };
}
