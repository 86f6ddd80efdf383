/**
 * The state store's health records: verdicts and rollbacks with their deployment, the healthy
 * revisions (rollback targets) and the failed hashes (held back).
 *
 * @module
 */
import type { FailedHash, HealthyRevision } from "../health/types.ts";
import type {
  HealthCheckRecord,
  HealthHistoryRow,
  HealthRecording,
  RollbackRecord,
} from "./health_records.ts";
import { stringList, stringRecord, unitList } from "./json_columns.ts";
import { corruptRow } from "./state_error.ts";
import type { StoreContext } from "./store_context.ts";

function verdictOf(v: unknown): HealthCheckRecord["verdict"] {
  return v === "healthy" || v === "unhealthy" ? v : "unknown";
}

function rollbackResultOf(v: unknown): RollbackRecord["result"] {
  return v === "rolled-back" || v === "down" ? v : "failed";
}

/** The store's `recordHealth`, `healthyRevisions`, `failedHashes` and `healthHistory`. */
export function storeHealth({ db, path, guard, tx }: StoreContext) {
  return {
    recordHealth(deploymentId: number | undefined, h: HealthRecording): void {
      tx("record the health checks", () => {
        const dep = deploymentId ?? null;
        const check = db.prepare(
          "INSERT INTO health_checks (deployment_id, service, hash, revision, phase, probe, verdict, reason, started_at, finished_at, probes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        for (const c of h.checks) {
          check.run(
            dep,
            c.service,
            c.hash,
            c.revision,
            c.phase,
            c.probe,
            c.verdict,
            c.reason,
            c.startedAt,
            c.finishedAt,
            c.probes,
          );
        }
        const rb = db.prepare(
          "INSERT INTO rollbacks (deployment_id, service, from_hash, to_hash, to_revision, at, reason, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        );
        for (const r of h.rollbacks) {
          rb.run(
            dep,
            r.service,
            r.fromHash,
            r.toHash ?? null,
            r.toRevision ?? null,
            r.at,
            r.reason,
            r.result,
          );
        }
        const good = db.prepare(
          "INSERT OR REPLACE INTO healthy_revisions (service, hash, revision, at, units, inputs, service_units, dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        );
        const clear = db.prepare("DELETE FROM failed_hashes WHERE service = ? AND hash = ?");
        for (const g of h.healthy) {
          good.run(
            g.service,
            g.hash,
            g.revision,
            g.at,
            JSON.stringify(g.units),
            JSON.stringify(g.inputs),
            JSON.stringify(g.serviceUnits),
            g.dir ?? null,
          );
          clear.run(g.service, g.hash);
        }
        const bad = db.prepare(
          "INSERT OR REPLACE INTO failed_hashes (service, hash, at, reason) VALUES (?, ?, ?, ?)",
        );
        const forget = db.prepare("DELETE FROM healthy_revisions WHERE service = ? AND hash = ?");
        for (const f of h.failed) {
          bad.run(f.service, f.hash, f.at, f.reason);
          forget.run(f.service, f.hash);
        }
      });
    },
    healthyRevisions(service?: string): HealthyRevision[] {
      const rows = guard(
        "read the healthy revisions",
        () =>
          service === undefined
            ? db.prepare("SELECT * FROM healthy_revisions ORDER BY at DESC, service").all()
            : db.prepare("SELECT * FROM healthy_revisions WHERE service = ? ORDER BY at DESC").all(
              service,
            ),
      );
      return rows.map((r) => {
        const key = `${String(r.service)} ${String(r.hash)}`;
        const inputs = stringRecord(r.inputs);
        const serviceUnits = stringList(r.service_units);
        const units = unitList(r.units);
        if (inputs === undefined) throw corruptRow(path, "healthy_revisions", key, "inputs");
        if (serviceUnits === undefined) {
          throw corruptRow(path, "healthy_revisions", key, "service_units");
        }
        if (units === undefined) throw corruptRow(path, "healthy_revisions", key, "units");
        return {
          service: String(r.service),
          hash: String(r.hash),
          revision: String(r.revision),
          at: String(r.at),
          units,
          inputs,
          serviceUnits,
          ...(r.dir === null ? {} : { dir: String(r.dir) }),
        };
      });
    },
    failedHashes(): FailedHash[] {
      return guard(
        "read the failed hashes",
        () =>
          db.prepare("SELECT * FROM failed_hashes ORDER BY service, at").all().map((r) => ({
            service: String(r.service),
            hash: String(r.hash),
            at: String(r.at),
            reason: String(r.reason),
          })),
      );
    },
    healthHistory(service: string | undefined, limit: number): HealthHistoryRow[] {
      const where = service === undefined ? "" : "WHERE service = ?";
      const args = service === undefined ? [limit] : [service, limit];
      return guard("read the health history", () => {
        const checks = db.prepare(
          `SELECT * FROM health_checks ${where} ORDER BY id DESC LIMIT ?`,
        ).all(...args).map((r): HealthHistoryRow => ({
          type: "check",
          deploymentId: r.deployment_id === null ? null : Number(r.deployment_id),
          service: String(r.service),
          hash: String(r.hash),
          revision: String(r.revision),
          phase: String(r.phase) === "rollback" ? "rollback" : "deploy",
          probe: String(r.probe),
          verdict: verdictOf(r.verdict),
          reason: String(r.reason),
          startedAt: String(r.started_at),
          finishedAt: String(r.finished_at),
          probes: Number(r.probes),
        }));
        const rollbacks = db.prepare(
          `SELECT * FROM rollbacks ${where} ORDER BY id DESC LIMIT ?`,
        ).all(...args).map((r): HealthHistoryRow => ({
          type: "rollback",
          deploymentId: r.deployment_id === null ? null : Number(r.deployment_id),
          service: String(r.service),
          fromHash: String(r.from_hash),
          ...(r.to_hash === null ? {} : { toHash: String(r.to_hash) }),
          ...(r.to_revision === null ? {} : { toRevision: String(r.to_revision) }),
          at: String(r.at),
          reason: String(r.reason),
          result: rollbackResultOf(r.result),
        }));
        const at = (x: HealthHistoryRow) => x.type === "check" ? x.finishedAt : x.at;
        return [...checks, ...rollbacks].sort((a, b) => at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0)
          .slice(0, limit);
      });
    },
  };
}
