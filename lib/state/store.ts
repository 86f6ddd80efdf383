/**
 * SQLite state (node:sqlite): the inventory of what hoist owns, deployments, their actions, events.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { HoistError, hostError, osErrorCode } from "../errors.ts";
import { logger } from "../log.ts";
import type { InventoryService, InventoryUnit } from "../types/observed.ts";
import type { DeploymentRecord, SourceRecord } from "../reconcile/records.ts";
import type { FailedHash, HealthyRevision } from "../health/types.ts";

const log = logger("state");

export type {
  ActionRecord,
  DeploymentRecord,
  InventoryUpdate,
  SourceRecord,
} from "../reconcile/records.ts";

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

/** One health verdict of a service, as recorded. */
export interface HealthCheckRecord {
  readonly service: string;
  readonly hash: string;
  readonly revision: string;
  /** deploy: the new revision; rollback: the revision rolled back to. */
  readonly phase: "deploy" | "rollback";
  readonly probe: string;
  readonly verdict: "healthy" | "unhealthy" | "unknown";
  readonly reason: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly probes: number;
}

/** A rollback (automatic or by hand), or a service left down with nothing to roll back to. */
export interface RollbackRecord {
  readonly service: string;
  readonly fromHash: string;
  readonly toHash?: string;
  readonly toRevision?: string;
  readonly at: string;
  readonly reason: string;
  /** rolled-back, down (no healthy revision left), failed (the rollback itself failed health). */
  readonly result: "rolled-back" | "down" | "failed";
}

/** What a health gate records with its deployment. */
export interface HealthRecording {
  readonly checks: readonly HealthCheckRecord[];
  readonly rollbacks: readonly RollbackRecord[];
  /** Revisions that passed: rollback targets from now on (and their breaker entry cleared). */
  readonly healthy: readonly HealthyRevision[];
  /** Hashes that failed: held back from now on. */
  readonly failed: readonly FailedHash[];
}

/** A recorded health check or rollback, with its deployment. */
export type HealthHistoryRow =
  & { readonly deploymentId: number | null }
  & (
    | ({ readonly type: "check" } & HealthCheckRecord)
    | ({ readonly type: "rollback" } & RollbackRecord)
  );

/** The state store. */
export interface Store {
  loadInventory(): { services: Map<string, InventoryService>; units: Map<string, InventoryUnit> };
  /** Records a deployment, its actions and the inventory changes in one transaction. */
  recordDeployment(d: DeploymentRecord): number;
  /**
   * Records an event; best effort: a failure is logged, never thrown, so recording an error can
   * not mask it.
   */
  recordEvent(at: string, kind: string, message: string): void;
  /** Records unit files as hoist's before they are written (a killed run still owns them). */
  recordUnits(units: readonly InventoryUnit[]): void;
  /** Last deployed commit per source branch. */
  lastDeployed(source: string): Map<string, SourceRecord>;
  /** Records the commits applied (also when nothing changed, so the baseline moves forward). */
  recordSources(rows: readonly SourceRecord[]): void;
  deployments(limit: number): DeploymentRow[];
  /** Records a health gate's verdicts, rollbacks and breaker changes in one transaction. */
  recordHealth(deploymentId: number | undefined, h: HealthRecording): void;
  /** Revisions that passed health here, newest first (of `service`, or all). */
  healthyRevisions(service?: string): HealthyRevision[];
  /** (service, hash) pairs that failed health here and have not passed since. */
  failedHashes(): FailedHash[];
  /**
   * Deletes all but the newest `keep` deployments, with their actions, health checks and
   * rollbacks, and all but each service's newest `keep` healthy revisions; returns how many
   * deployments went.
   */
  pruneDeployments(keep: number): number;
  /** Health checks and rollbacks, newest first, of `service` or all. */
  healthHistory(service: string | undefined, limit: number): HealthHistoryRow[];
  events(limit: number): { at: string; kind: string; message: string }[];
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deployments (
  id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL, host TEXT NOT NULL,
  revision TEXT NOT NULL, status TEXT NOT NULL, error TEXT);
CREATE TABLE IF NOT EXISTS actions (
  deployment_id INTEGER NOT NULL REFERENCES deployments(id), seq INTEGER NOT NULL, kind TEXT NOT NULL,
  service TEXT NOT NULL, unit TEXT NOT NULL, reason TEXT NOT NULL, result TEXT NOT NULL, error TEXT,
  PRIMARY KEY (deployment_id, seq));
CREATE TABLE IF NOT EXISTS inventory_units (
  path TEXT PRIMARY KEY, service TEXT NOT NULL, service_unit TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS services (
  name TEXT PRIMARY KEY, hash TEXT NOT NULL, inputs TEXT NOT NULL, service_units TEXT NOT NULL,
  revision TEXT NOT NULL, changed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
  source TEXT NOT NULL, branch TEXT NOT NULL, commit_id TEXT NOT NULL, signer TEXT NOT NULL,
  policy TEXT NOT NULL, deployed_at TEXT NOT NULL, committed_at INTEGER,
  PRIMARY KEY (source, branch));
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS health_checks (
  id INTEGER PRIMARY KEY, deployment_id INTEGER REFERENCES deployments(id), service TEXT NOT NULL,
  hash TEXT NOT NULL, revision TEXT NOT NULL, phase TEXT NOT NULL, probe TEXT NOT NULL,
  verdict TEXT NOT NULL, reason TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
  probes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rollbacks (
  id INTEGER PRIMARY KEY, deployment_id INTEGER REFERENCES deployments(id), service TEXT NOT NULL,
  from_hash TEXT NOT NULL, to_hash TEXT, to_revision TEXT, at TEXT NOT NULL, reason TEXT NOT NULL,
  result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS healthy_revisions (
  service TEXT NOT NULL, hash TEXT NOT NULL, revision TEXT NOT NULL, at TEXT NOT NULL,
  units TEXT NOT NULL, inputs TEXT NOT NULL, service_units TEXT NOT NULL, dir TEXT,
  PRIMARY KEY (service, hash));
CREATE TABLE IF NOT EXISTS failed_hashes (
  service TEXT NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL, reason TEXT NOT NULL,
  PRIMARY KEY (service, hash));
`;

/** The schema version {@link SCHEMA} plus {@link migrate} give (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 4;

/**
 * Brings a database made by an older hoist up to {@link SCHEMA_VERSION}; the tables SCHEMA
 * creates are already there. Version 2 adds `sources.committed_at` (NULL for rows written before:
 * the next signed commit's date is then not compared with an unknown one). Version 3 adds the
 * health tables (health_checks, rollbacks, healthy_revisions, failed_hashes), which SCHEMA creates.
 * Version 4 adds `services.user` and `inventory_units.user`: the account a service runs as
 * (`user =`), NULL for hoist's own manager (every row written before).
 */
function migrate(db: DatabaseSync): void {
  const version = Number(db.prepare("PRAGMA user_version").get()?.user_version ?? 0);
  if (version >= SCHEMA_VERSION) return;
  const columns = db.prepare("PRAGMA table_info(sources)").all().map((c) => String(c.name));
  if (!columns.includes("committed_at")) {
    db.exec("ALTER TABLE sources ADD COLUMN committed_at INTEGER");
  }
  for (const table of ["services", "inventory_units"]) {
    const has = db.prepare(`PRAGMA table_info(${table})`).all().map((c) => String(c.name));
    if (!has.includes("user")) db.exec(`ALTER TABLE ${table} ADD COLUMN user TEXT`);
  }
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
}

/**
 * A failure of the database as a `state-failed` HoistError: what hoist was doing, SQLite's own
 * words, and a hint fitting them (a full disk, a damaged file, no permission…).
 */
function stateError(path: string, what: string, e: unknown): HoistError {
  if (e instanceof HoistError) return e;
  const found = PROBED.has(osErrorCode(e) ?? "") ? probeFolder(path) : undefined;
  if (found === undefined) {
    return hostError("state-failed", `state database ${path}: cannot ${what}`, path, e);
  }
  // SQLite says "disk I/O error" for a full disk (growing the -wal or -shm file): the OS's
  // own error, found by writing next to the database, is the real cause and gives the hint
  const sqlite = e instanceof Error ? e.message : String(e);
  return hostError(
    "state-failed",
    `state database ${path}: cannot ${what} (${sqlite})`,
    dirname(path),
    found,
  );
}

/** SQLite results whose real cause may be the file system's (full, read-only, no permission). */
const PROBED = new Set(["SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_READONLY"]);

/**
 * Writes and removes 64 KiB next to the database at `path`; returns the error the OS gave, or
 * undefined when the write works (the cause lies elsewhere) or there is no folder (":memory:").
 */
function probeFolder(path: string): unknown {
  if (path === ":memory:" || path === "") return undefined;
  const probe = `${dirname(path)}/.hoist-space-probe`;
  try {
    Deno.writeFileSync(probe, new Uint8Array(64 * 1024));
    return undefined;
  } catch (e) {
    return osErrorCode(e) === undefined ? undefined : e;
  } finally {
    try {
      Deno.removeSync(probe);
    } catch {
      // never written
    }
  }
}

/** A row that does not hold what hoist wrote there: the table, the row and the column named. */
function corruptRow(path: string, table: string, key: string, column: string): HoistError {
  return new HoistError(
    "state-failed",
    `state database ${path}: row ${
      JSON.stringify(key)
    } of table ${table} is corrupt (${column} is not what hoist writes there)`,
    `The file was edited or damaged: restore ${path} from a backup, or inspect the row with ` +
      `sqlite3 ${path} "SELECT * FROM ${table}"`,
  );
}

/** Parses a JSON column that must hold an object of strings (`inputs`). */
function stringRecord(text: unknown): Record<string, string> | undefined {
  try {
    const v: unknown = JSON.parse(String(text));
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    const entries = Object.entries(v);
    return entries.every(([, x]) => typeof x === "string")
      ? Object.fromEntries(entries.map(([k, x]) => [k, String(x)]))
      : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a JSON column that must hold a list of strings (`service_units`). */
function stringList(text: unknown): string[] | undefined {
  try {
    const v: unknown = JSON.parse(String(text));
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? v.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses the `units` column of healthy_revisions. */
function unitList(text: unknown): HealthyRevision["units"] | undefined {
  try {
    const v: unknown = JSON.parse(String(text));
    if (!Array.isArray(v)) return undefined;
    const ok = v.every((u) =>
      typeof u === "object" && u !== null && typeof u.path === "string" &&
      typeof u.serviceUnit === "string" && typeof u.content === "string"
    );
    return ok
      ? v.map((u) => ({ path: u.path, serviceUnit: u.serviceUnit, content: u.content }))
      : undefined;
  } catch {
    return undefined;
  }
}

function verdictOf(v: unknown): HealthCheckRecord["verdict"] {
  return v === "healthy" || v === "unhealthy" ? v : "unknown";
}

function rollbackResultOf(v: unknown): RollbackRecord["result"] {
  return v === "rolled-back" || v === "down" ? v : "failed";
}

/**
 * Opens (creating if needed) the store at `path` (":memory:" in tests). Every failure of the
 * database (cannot open, full disk, damaged file, a corrupt row) is a `state-failed` HoistError
 * naming the cause first, with a hint fitting it.
 */
export function openStore(path: string): Store {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
    db.exec(SCHEMA);
    migrate(db);
  } catch (e) {
    throw stateError(path, "open it", e);
  }
  /** Runs `fn`; a database error becomes a state-failed HoistError about `what`. */
  const guard = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw stateError(path, what, e);
    }
  };
  const tx = <T>(what: string, fn: () => T): T =>
    guard(what, () => {
      db.exec("BEGIN IMMEDIATE");
      try {
        const out = fn();
        db.exec("COMMIT");
        return out;
      } catch (e) {
        // SQLite may have rolled back by itself (a full disk): keep the real error, never
        // "cannot rollback - no transaction is active"
        if (db.isTransaction) {
          try {
            db.exec("ROLLBACK");
          } catch {
            // the error that matters is `e`
          }
        }
        throw e;
      }
    });
  const putSources = (rows: readonly SourceRecord[]) => {
    const put = db.prepare(
      "INSERT OR REPLACE INTO sources (source, branch, commit_id, signer, policy, deployed_at, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const r of rows) {
      put.run(
        r.source,
        r.branch,
        r.commit,
        r.signer,
        r.policy,
        r.deployedAt,
        r.committedAt ?? null,
      );
    }
  };
  return {
    lastDeployed(source) {
      const rows = guard(
        "read the deployed commits",
        () => db.prepare("SELECT * FROM sources WHERE source = ? ORDER BY branch").all(source),
      );
      const out = new Map<string, SourceRecord>();
      for (const r of rows) {
        const at = r.committed_at;
        if (at !== null && typeof at !== "number" && typeof at !== "bigint") {
          throw corruptRow(path, "sources", `${source} ${String(r.branch)}`, "committed_at");
        }
        out.set(String(r.branch), {
          source,
          branch: String(r.branch),
          commit: String(r.commit_id),
          signer: String(r.signer),
          policy: String(r.policy),
          deployedAt: String(r.deployed_at),
          ...(at === null ? {} : { committedAt: Number(at) }),
        });
      }
      return out;
    },
    recordUnits(units) {
      if (units.length === 0) return;
      tx("record the unit files about to be written", () => {
        const put = db.prepare(
          "INSERT OR REPLACE INTO inventory_units (path, service, service_unit, user) VALUES (?, ?, ?, ?)",
        );
        for (const u of units) put.run(u.path, u.service, u.serviceUnit, u.user ?? null);
      });
    },
    recordSources(rows) {
      tx("record the deployed commits", () => putSources(rows));
    },
    loadInventory() {
      const [serviceRows, unitRows] = guard("read the inventory", () => [
        db.prepare("SELECT * FROM services ORDER BY name").all(),
        db.prepare("SELECT * FROM inventory_units ORDER BY path").all(),
      ]);
      const services = new Map<string, InventoryService>();
      for (const r of serviceRows) {
        const name = String(r.name);
        const inputs = stringRecord(r.inputs);
        if (inputs === undefined) throw corruptRow(path, "services", name, "inputs");
        const serviceUnits = stringList(r.service_units);
        if (serviceUnits === undefined) throw corruptRow(path, "services", name, "service_units");
        services.set(name, {
          name,
          hash: String(r.hash),
          inputs,
          serviceUnits,
          revision: String(r.revision),
          changedAt: String(r.changed_at),
          ...(typeof r.user === "string" ? { user: r.user } : {}),
        });
      }
      const units = new Map<string, InventoryUnit>();
      for (const r of unitRows) {
        units.set(String(r.path), {
          path: String(r.path),
          service: String(r.service),
          serviceUnit: String(r.service_unit),
          ...(typeof r.user === "string" ? { user: r.user } : {}),
        });
      }
      return { services, units };
    },
    recordDeployment(d) {
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
        putSources(d.sources ?? []);
        return id;
      });
    },
    recordEvent(at, kind, message) {
      try {
        db.prepare("INSERT INTO events (at, kind, message) VALUES (?, ?, ?)").run(
          at,
          kind,
          message,
        );
      } catch (e) {
        // events are diagnostics, often of the very error that is being reported: never mask it
        log.warning("state database {path}: cannot record the event {kind}: {reason}", {
          path,
          kind,
          reason: e instanceof Error ? e.message : String(e),
        });
      }
    },
    deployments(limit) {
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
    recordHealth(deploymentId, h) {
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
    healthyRevisions(service) {
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
    failedHashes() {
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
    pruneDeployments(keep) {
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
    healthHistory(service, limit) {
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
    events(limit) {
      return guard(
        "read the events",
        () =>
          db.prepare("SELECT at, kind, message FROM events ORDER BY id DESC LIMIT ?").all(limit)
            .map((r) => ({ at: String(r.at), kind: String(r.kind), message: String(r.message) })),
      );
    },
    close() {
      try {
        db.close();
      } catch {
        // closing after a failure: nothing left to save
      }
    },
  };
}
