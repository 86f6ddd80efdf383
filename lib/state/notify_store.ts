/**
 * The notification state, kept in `state_dir/notify.db` (node:sqlite) so that a timer-run hoist
 * throttles too: the throttle rows per (sink, service, kind), what the events remember between
 * runs (fetch failures in a row, whether the last run failed), and a bounded log of deliveries.
 * A file of its own: it is written after a run, by `hoist apply` and `hoist serve` alike, and
 * holds no secret (no token, URL or message body).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import type { NotifyState } from "../notify/events.ts";
import type { DeliveryLogRow, NotifyStore, ThrottleKey } from "../notify/notify_store_types.ts";
import type { ThrottleRow } from "../notify/throttle.ts";
import { storeContext } from "./store_context.ts";
import { stateError } from "./state_error.ts";

/** Deliveries kept in the log (the oldest go first). */
export const KEPT_DELIVERIES = 500;

/** Opens (creating if needed) the store at `path` (":memory:" in tests). */
export function openNotifyStore(path: string): NotifyStore {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
    db.exec(`
      CREATE TABLE IF NOT EXISTS throttle (
        sink TEXT NOT NULL, service TEXT NOT NULL, kind TEXT NOT NULL,
        last_sent INTEGER NOT NULL, suppressed INTEGER NOT NULL, since INTEGER,
        PRIMARY KEY (sink, service, kind));
      CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, sink TEXT NOT NULL,
        kind TEXT NOT NULL, service TEXT NOT NULL, ok INTEGER NOT NULL, error TEXT);`);
  } catch (e) {
    throw stateError(path, "open it", e);
  }
  // one error mapping and transaction with the state DB (a full disk named as such, a failed
  // ROLLBACK never hiding the error that caused it)
  const { guard, tx } = storeContext(db, path);
  return {
    transaction(fn) {
      return tx("write the notification state", fn);
    },
    state() {
      const row = guard(
        "read the notification state",
        () => db.prepare("SELECT value FROM state WHERE key = 'events'").get(),
      );
      if (row === undefined) return undefined;
      const v = JSON.parse(String(row.value)) as Partial<NotifyState>;
      return {
        fetchFailures: v.fetchFailures ?? {},
        failing: v.failing === true,
        ...(v.heldBack === undefined ? {} : { heldBack: v.heldBack }),
      };
    },
    setState(state) {
      db.prepare("INSERT OR REPLACE INTO state (key, value) VALUES ('events', ?)").run(
        JSON.stringify(state),
      );
    },
    row(key: ThrottleKey): ThrottleRow | undefined {
      const r = db.prepare(
        "SELECT last_sent, suppressed, since FROM throttle WHERE sink = ? AND service = ? AND kind = ?",
      ).get(key.sink, key.service, key.kind);
      if (r === undefined) return undefined;
      return {
        lastSent: Number(r.last_sent),
        suppressed: Number(r.suppressed),
        ...(r.since === null ? {} : { since: Number(r.since) }),
      };
    },
    setRow(key, row) {
      db.prepare(
        "INSERT OR REPLACE INTO throttle (sink, service, kind, last_sent, suppressed, since) " +
          "VALUES (?, ?, ?, ?, ?, ?)",
      ).run(key.sink, key.service, key.kind, row.lastSent, row.suppressed, row.since ?? null);
    },
    logDelivery(row: DeliveryLogRow) {
      guard("record a delivery", () => {
        db.prepare(
          "INSERT INTO deliveries (at, sink, kind, service, ok, error) VALUES (?, ?, ?, ?, ?, ?)",
        ).run(row.at, row.sink, row.kind, row.service, row.ok ? 1 : 0, row.error ?? null);
        db.prepare(
          "DELETE FROM deliveries WHERE id <= (SELECT MAX(id) FROM deliveries) - ?",
        ).run(KEPT_DELIVERIES);
      });
    },
    deliveries(limit) {
      return guard("read the deliveries", () =>
        db.prepare(
          "SELECT at, sink, kind, service, ok, error FROM deliveries ORDER BY id DESC LIMIT ?",
        ).all(limit).map((r) => ({
          at: String(r.at),
          sink: String(r.sink),
          kind: String(r.kind),
          service: String(r.service),
          ok: Number(r.ok) === 1,
          ...(r.error === null ? {} : { error: String(r.error) }),
        })));
    },
    close() {
      db.close();
    },
  };
}
