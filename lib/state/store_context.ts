/**
 * What the parts of the state store share: the open database, its path, and the wrappers that
 * turn a database error into a `state-failed` HoistError.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { stateError } from "./state_error.ts";

/** The open state database at `path`, with {@link storeContext}'s guard and transaction. */
export interface StoreContext {
  readonly db: DatabaseSync;
  readonly path: string;
  /** Runs `fn`; a database error becomes a state-failed HoistError about `what`. */
  readonly guard: <T>(what: string, fn: () => T) => T;
  /** Runs `fn` in one transaction (committed, or rolled back on an error), as `guard` does. */
  readonly tx: <T>(what: string, fn: () => T) => T;
}

/** The context of the state database `db`, opened at `path`. */
export function storeContext(db: DatabaseSync, path: string): StoreContext {
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
  return { db, path, guard, tx };
}
