/**
 * What `hoist serve`'s remote API did and was asked, in `state_dir/remote.db` (node:sqlite): every
 * request to `/api/v1/…` (principal = key fingerprint and comment, operation, service, HTTP status,
 * result, reason), and the services stopped through it, so the next reconcile can leave them
 * stopped. A file of its own, as webhooks.db: the server writes it on every request, while
 * state.db is written by runs under the lock.
 *
 * A stop holds until `start` or `restart` clears it, or the service's content hash is no longer
 * the one recorded with it (a new commit changed the service: "until the next change").
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { HoistError } from "../errors.ts";

/** One API request as recorded. */
export interface RemoteRecord {
  /** ISO time. */
  readonly at: string;
  /** `SHA256:…`, "" when the request was not authenticated. */
  readonly fingerprint: string;
  readonly comment: string;
  /** ping, ps, logs, restart, start, stop, pull, plan, apply; "" when the path named none. */
  readonly op: string;
  /** The service operated; "" for host-wide operations. */
  readonly service: string;
  readonly status: number;
  /** ok, refused (401/403/400/404/405/413/501), failed (the operation ran and failed). */
  readonly result: "ok" | "refused" | "failed";
  readonly reason: string;
}

/** A service stopped through the API. */
export interface RemoteStop {
  readonly service: string;
  /** The service's content hash when it was stopped. */
  readonly hash: string;
  /** `SHA256:… (comment)`. */
  readonly principal: string;
  readonly at: string;
}

/** The store. */
export interface RemoteStore {
  record(r: RemoteRecord): void;
  /** The newest `limit` records, newest first. */
  records(limit: number): RemoteRecord[];
  stop(s: RemoteStop): void;
  /** Clears a stop (start, restart). */
  unstop(service: string): void;
  /** The stops in force, by service name. */
  stops(): RemoteStop[];
  close(): void;
}

/** Where `hoist serve` keeps the store. */
export function remoteDbPath(stateDir: string): string {
  return `${stateDir.replace(/\/+$/, "")}/remote.db`;
}

/**
 * The stops in force in `state_dir/remote.db`, for a run (none when `hoist serve` never made the
 * file: a plan does not create it).
 */
export function recordedStops(stateDir: string): RemoteStop[] {
  const path = remoteDbPath(stateDir);
  if (!exists(path)) return [];
  const store = openRemoteStore(path);
  try {
    return store.stops();
  } finally {
    store.close();
  }
}

/** Clears the stops of `services` (a commit changed them, or removed them). */
export function clearStops(stateDir: string, services: readonly string[]): void {
  const path = remoteDbPath(stateDir);
  if (services.length === 0 || !exists(path)) return;
  const store = openRemoteStore(path);
  try {
    for (const s of services) store.unstop(s);
  } finally {
    store.close();
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new HoistError(
      "state-failed",
      `cannot read ${path}: ${(e as Error).message}`,
      "hoist serve records remote stops there; check that state_dir is readable",
      { cause: e },
    );
  }
}

/** Records kept at most (the oldest go first). */
export const KEPT_RECORDS = 100_000;

/** Opens (creating if needed) the store at `path` (":memory:" in tests). */
export function openRemoteStore(path: string): RemoteStore {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
    db.exec(
      "CREATE TABLE IF NOT EXISTS remote_ops (id INTEGER PRIMARY KEY AUTOINCREMENT, " +
        "at TEXT NOT NULL, fingerprint TEXT NOT NULL, comment TEXT NOT NULL, op TEXT NOT NULL, " +
        "service TEXT NOT NULL, status INTEGER NOT NULL, result TEXT NOT NULL, reason TEXT NOT NULL);" +
        "CREATE TABLE IF NOT EXISTS remote_stops (service TEXT PRIMARY KEY, hash TEXT NOT NULL, " +
        "principal TEXT NOT NULL, at TEXT NOT NULL);",
    );
  } catch (e) {
    throw new HoistError(
      "state-failed",
      `cannot open ${path}: ${(e as Error).message}`,
      "hoist serve records remote operations there; check that state_dir is a writable folder",
      { cause: e },
    );
  }
  const insert = db.prepare(
    "INSERT INTO remote_ops (at, fingerprint, comment, op, service, status, result, reason) " +
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  let added = 0;
  return {
    record(r) {
      insert.run(r.at, r.fingerprint, r.comment, r.op, r.service, r.status, r.result, r.reason);
      if (++added % 1000 === 0) {
        db.prepare(
          "DELETE FROM remote_ops WHERE id <= (SELECT MAX(id) FROM remote_ops) - ?",
        ).run(KEPT_RECORDS);
      }
    },
    records(limit) {
      return db.prepare(
        "SELECT at, fingerprint, comment, op, service, status, result, reason FROM remote_ops " +
          "ORDER BY id DESC LIMIT ?",
      ).all(limit).map((r) => ({
        at: String(r.at),
        fingerprint: String(r.fingerprint),
        comment: String(r.comment),
        op: String(r.op),
        service: String(r.service),
        status: Number(r.status),
        result: String(r.result) as RemoteRecord["result"],
        reason: String(r.reason),
      }));
    },
    stop(s) {
      db.prepare(
        "INSERT OR REPLACE INTO remote_stops (service, hash, principal, at) VALUES (?, ?, ?, ?)",
      ).run(s.service, s.hash, s.principal, s.at);
    },
    unstop(service) {
      db.prepare("DELETE FROM remote_stops WHERE service = ?").run(service);
    },
    stops() {
      return db.prepare("SELECT service, hash, principal, at FROM remote_stops ORDER BY service")
        .all().map((r) => ({
          service: String(r.service),
          hash: String(r.hash),
          principal: String(r.principal),
          at: String(r.at),
        }));
    },
    close() {
      db.close();
    },
  };
}
