/**
 * The accounts the inventory records services for (`user =`), read-only, for `hoist doctor`:
 * never created, migrated or written.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/**
 * `service → account` for every recorded service deployed for another account; [] when the
 * database cannot be read or predates the column (the doctor's DB check reports that).
 */
export function inventoryUsers(path: string): { service: string; user: string }[] {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    const columns = db.prepare("PRAGMA table_info(services)").all().map((c) => String(c.name));
    if (!columns.includes("user")) return [];
    return db.prepare("SELECT name, user FROM services WHERE user IS NOT NULL ORDER BY name")
      .all().map((r) => ({ service: String(r.name), user: String(r.user) }));
  } catch {
    return [];
  } finally {
    try {
      db?.close();
    } catch {
      // never opened
    }
  }
}
