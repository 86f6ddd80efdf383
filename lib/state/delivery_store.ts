/**
 * Webhook delivery ids seen by `hoist serve`, kept in `state_dir/webhooks.db` (node:sqlite) so a
 * replayed delivery is refused after a restart too. A file of its own: the server writes it on
 * every webhook, while state.db is written by runs under the lock.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { HoistError } from "../errors.ts";
import type { DeliveryStore } from "../server/deliveries.ts";

/** Opens (creating if needed) the delivery store at `path` (":memory:" in tests). */
export function openDeliveryStore(path: string): DeliveryStore & { close(): void } {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
    db.exec(
      "CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, at INTEGER NOT NULL);" +
        "CREATE INDEX IF NOT EXISTS deliveries_at ON deliveries (at);",
    );
  } catch (e) {
    throw new HoistError(
      "state-failed",
      `cannot open ${path}: ${(e as Error).message}`,
      "hoist serve keeps webhook delivery ids there; check that state_dir is a writable folder",
      { cause: e },
    );
  }
  const add = db.prepare("INSERT OR REPLACE INTO deliveries (id, at) VALUES (?, ?)");
  return {
    load(since) {
      return db.prepare("SELECT id, at FROM deliveries WHERE at >= ? ORDER BY at").all(since)
        .map((r) => [String(r.id), Number(r.at)] as const);
    },
    add(id, at) {
      add.run(id, at);
    },
    prune(before, keep) {
      db.prepare("DELETE FROM deliveries WHERE at < ?").run(before);
      db.prepare(
        "DELETE FROM deliveries WHERE id NOT IN (SELECT id FROM deliveries ORDER BY at DESC LIMIT ?)",
      ).run(keep);
    },
    close() {
      db.close();
    },
  };
}
