/**
 * The state store's events: diagnostics recorded best effort, read back newest first.
 *
 * @module
 */
import { logger } from "../log.ts";
import type { StoreContext } from "./store_context.ts";

const log = logger("state");

/** The store's `recordEvent` and `events`. */
export function storeEvents({ db, path, guard }: StoreContext) {
  return {
    recordEvent(at: string, kind: string, message: string): void {
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
    events(limit: number): { at: string; kind: string; message: string }[] {
      return guard(
        "read the events",
        () =>
          db.prepare("SELECT at, kind, message FROM events ORDER BY id DESC LIMIT ?").all(limit)
            .map((r) => ({ at: String(r.at), kind: String(r.kind), message: String(r.message) })),
      );
    },
  };
}
