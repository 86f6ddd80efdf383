/**
 * Failures of the state DB as `state-failed` HoistErrors: SQLite's errors with the file system's
 * real cause found and hinted at, and rows that do not hold what hoist wrote there.
 *
 * @module
 */
import { dirname } from "node:path";
import { HoistError, hostError, osErrorCode } from "../errors.ts";

/**
 * A failure of the database as a `state-failed` HoistError: what hoist was doing, SQLite's own
 * words, and a hint fitting them (a full disk, a damaged file, no permission…).
 */
export function stateError(path: string, what: string, e: unknown): HoistError {
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
export function corruptRow(path: string, table: string, key: string, column: string): HoistError {
  return new HoistError(
    "state-failed",
    `state database ${path}: row ${
      JSON.stringify(key)
    } of table ${table} is corrupt (${column} is not what hoist writes there)`,
    `The file was edited or damaged: restore ${path} from a backup, or inspect the row with ` +
      `sqlite3 ${path} "SELECT * FROM ${table}"`,
  );
}
