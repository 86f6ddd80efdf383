/**
 * {@link throttle}: whether a message for one (sink, service, kind) goes out now or is counted
 * for the next one. Pure; the rows live in `notify.db` (lib/state/notify_store.ts).
 *
 * @module
 */
import type { Suppressed } from "./render_message.ts";

/** What the throttle remembers of one (sink, service, kind). */
export interface ThrottleRow {
  /** When the last message went out (ms since the epoch). */
  readonly lastSent: number;
  /** Events left out since. */
  readonly suppressed: number;
  /** When the first of them happened (ms), when there is one. */
  readonly since?: number;
}

/** The decision and the row to keep. */
export type ThrottleDecision =
  | { readonly send: true; readonly suppressed?: Suppressed; readonly row: ThrottleRow }
  | { readonly send: false; readonly row: ThrottleRow };

/**
 * At most one message per `windowMs` (0: every one): an event outside the window is sent,
 * carrying the count of those left out since the last; one inside it is counted.
 *
 * @example
 * ```ts
 * throttle(undefined, 0, 1800_000).send; // true
 * throttle({ lastSent: 0, suppressed: 0 }, 60_000, 1800_000).send; // false
 * ```
 */
export function throttle(
  row: ThrottleRow | undefined,
  now: number,
  windowMs: number,
): ThrottleDecision {
  if (row !== undefined && windowMs > 0 && now - row.lastSent < windowMs && now >= row.lastSent) {
    return {
      send: false,
      row: { lastSent: row.lastSent, suppressed: row.suppressed + 1, since: row.since ?? now },
    };
  }
  const left = row !== undefined && row.suppressed > 0
    ? { count: row.suppressed, since: new Date(row.since ?? row.lastSent).toISOString() }
    : undefined;
  return {
    send: true,
    ...(left === undefined ? {} : { suppressed: left }),
    row: { lastSent: now, suppressed: 0 },
  };
}
