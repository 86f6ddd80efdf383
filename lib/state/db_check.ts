/**
 * A read-only look at the state DB for `hoist doctor`: opened read-only, never created, migrated
 * or written.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/**
 * What `PRAGMA integrity_check` said (`["ok"]` when intact) and how many unit files the inventory
 * records, or why the file could not be read.
 */
export type DbCheck =
  | { readonly kind: "checked"; readonly lines: readonly string[]; readonly inventory: number }
  | { readonly kind: "unreadable"; readonly error: string };

/** Runs `PRAGMA integrity_check` on the SQLite file at `path`, opened read-only. */
export function checkStateDb(path: string): DbCheck {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    const rows = db.prepare("PRAGMA integrity_check").all() as Record<string, unknown>[];
    const lines = rows.map((r) => String(Object.values(r)[0] ?? ""));
    const hasInventory = db.prepare(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'inventory_units'",
    ).get()?.n;
    const inventory = Number(hasInventory) > 0
      ? Number(db.prepare("SELECT count(*) AS n FROM inventory_units").get()?.n ?? 0)
      : 0;
    return { kind: "checked", lines, inventory };
  } catch (e) {
    return { kind: "unreadable", error: e instanceof Error ? e.message : String(e) };
  } finally {
    try {
      db?.close();
    } catch {
      // closing a database that failed to open: nothing to release
    }
  }
}
