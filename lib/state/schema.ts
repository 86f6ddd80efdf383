/**
 * The state DB's tables ({@link SCHEMA}) and the migrations that bring a database made by an
 * older hoist up to {@link SCHEMA_VERSION}.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** The tables of the state DB, created when missing. */
export const SCHEMA = `
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
export function migrate(db: DatabaseSync): void {
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
