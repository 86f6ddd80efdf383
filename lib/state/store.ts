/**
 * SQLite state (node:sqlite): the inventory of what hoist owns, deployments, their actions, events.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { HoistError } from "../errors.ts";
import type { InventoryService, InventoryUnit } from "../types/observed.ts";
import type { DeploymentRecord, SourceRecord } from "../reconcile/records.ts";

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

/** The state store. */
export interface Store {
  loadInventory(): { services: Map<string, InventoryService>; units: Map<string, InventoryUnit> };
  /** Records a deployment, its actions and the inventory changes in one transaction. */
  recordDeployment(d: DeploymentRecord): number;
  recordEvent(at: string, kind: string, message: string): void;
  /** Records unit files as hoist's before they are written (a killed run still owns them). */
  recordUnits(units: readonly InventoryUnit[]): void;
  /** Last deployed commit per source branch. */
  lastDeployed(source: string): Map<string, SourceRecord>;
  /** Records the commits applied (also when nothing changed, so the baseline moves forward). */
  recordSources(rows: readonly SourceRecord[]): void;
  deployments(limit: number): DeploymentRow[];
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
`;

/** The schema version {@link SCHEMA} plus {@link migrate} give (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 2;

/**
 * Brings a database made by an older hoist up to {@link SCHEMA_VERSION}; the tables SCHEMA
 * creates are already there. Version 2 adds `sources.committed_at` (NULL for rows written before:
 * the next signed commit's date is then not compared with an unknown one).
 */
function migrate(db: DatabaseSync): void {
  const version = Number(db.prepare("PRAGMA user_version").get()?.user_version ?? 0);
  if (version >= SCHEMA_VERSION) return;
  const columns = db.prepare("PRAGMA table_info(sources)").all().map((c) => String(c.name));
  if (!columns.includes("committed_at")) {
    db.exec("ALTER TABLE sources ADD COLUMN committed_at INTEGER");
  }
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
}

/** Opens (creating if needed) the store at `path` (":memory:" in tests). */
export function openStore(path: string): Store {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
    db.exec(SCHEMA);
    migrate(db);
  } catch (e) {
    throw new HoistError(
      "state-failed",
      `cannot open state database ${path}: ${(e as Error).message}`,
      "Check state_dir permissions",
      { cause: e },
    );
  }
  const tx = <T>(fn: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      db.exec("COMMIT");
      return out;
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  };
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
      const out = new Map<string, SourceRecord>();
      for (
        const r of db.prepare("SELECT * FROM sources WHERE source = ? ORDER BY branch").all(source)
      ) {
        out.set(String(r.branch), {
          source,
          branch: String(r.branch),
          commit: String(r.commit_id),
          signer: String(r.signer),
          policy: String(r.policy),
          deployedAt: String(r.deployed_at),
          ...(r.committed_at === null ? {} : { committedAt: Number(r.committed_at) }),
        });
      }
      return out;
    },
    recordUnits(units) {
      if (units.length === 0) return;
      tx(() => {
        const put = db.prepare(
          "INSERT OR REPLACE INTO inventory_units (path, service, service_unit) VALUES (?, ?, ?)",
        );
        for (const u of units) put.run(u.path, u.service, u.serviceUnit);
      });
    },
    recordSources(rows) {
      tx(() => putSources(rows));
    },
    loadInventory() {
      const services = new Map<string, InventoryService>();
      for (const r of db.prepare("SELECT * FROM services ORDER BY name").all()) {
        services.set(String(r.name), {
          name: String(r.name),
          hash: String(r.hash),
          inputs: JSON.parse(String(r.inputs)),
          serviceUnits: JSON.parse(String(r.service_units)),
          revision: String(r.revision),
          changedAt: String(r.changed_at),
        });
      }
      const units = new Map<string, InventoryUnit>();
      for (const r of db.prepare("SELECT * FROM inventory_units ORDER BY path").all()) {
        units.set(String(r.path), {
          path: String(r.path),
          service: String(r.service),
          serviceUnit: String(r.service_unit),
        });
      }
      return { services, units };
    },
    recordDeployment(d) {
      return tx(() => {
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
          "INSERT OR REPLACE INTO inventory_units (path, service, service_unit) VALUES (?, ?, ?)",
        );
        for (const u of inv.upsertUnits) putUnit.run(u.path, u.service, u.serviceUnit);
        const delSvc = db.prepare("DELETE FROM services WHERE name = ?");
        for (const n of inv.deleteServices) delSvc.run(n);
        const putSvc = db.prepare(
          "INSERT OR REPLACE INTO services (name, hash, inputs, service_units, revision, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
        );
        for (const s of inv.upsertServices) {
          putSvc.run(
            s.name,
            s.hash,
            JSON.stringify(s.inputs),
            JSON.stringify(s.serviceUnits),
            s.revision,
            s.changedAt,
          );
        }
        putSources(d.sources ?? []);
        return id;
      });
    },
    recordEvent(at, kind, message) {
      db.prepare("INSERT INTO events (at, kind, message) VALUES (?, ?, ?)").run(at, kind, message);
    },
    deployments(limit) {
      return db.prepare(
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
      }));
    },
    events(limit) {
      return db.prepare("SELECT at, kind, message FROM events ORDER BY id DESC LIMIT ?").all(limit)
        .map((r) => ({ at: String(r.at), kind: String(r.kind), message: String(r.message) }));
    },
    close() {
      db.close();
    },
  };
}
