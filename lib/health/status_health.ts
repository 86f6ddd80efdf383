/**
 * `hoist status`'s health columns: each service's last verdict and whether the breaker holds it
 * back. Pure.
 *
 * @module
 */
import type { StatusRow } from "../render/status_table.ts";
import type { HeldBack } from "./breaker.ts";

/** A recorded health check, as the state DB returns it. */
export interface RecordedCheck {
  readonly service: string;
  readonly hash: string;
  readonly phase: "deploy" | "rollback";
  readonly verdict: "healthy" | "unhealthy" | "unknown";
  readonly reason: string;
  /** ISO time of the verdict. */
  readonly finishedAt: string;
}

/**
 * Adds to each row its service's newest check among `checks` (any order) and, for a service in
 * `held` (the breaker's decision on the plan the next apply would make), what failed.
 *
 * @example
 * ```ts
 * withStatusHealth(rows, store.healthHistory("web", 10).filter((h) => h.type === "check"), held);
 * ```
 */
export function withStatusHealth(
  rows: readonly StatusRow[],
  checks: readonly RecordedCheck[],
  held: readonly HeldBack[],
): StatusRow[] {
  const last = new Map<string, RecordedCheck>();
  for (const c of checks) {
    const seen = last.get(c.service);
    if (seen === undefined || c.finishedAt > seen.finishedAt) last.set(c.service, c);
  }
  return rows.map((r) => {
    const c = last.get(r.service);
    const h = held.find((x) => x.service === r.service);
    return {
      ...r,
      ...(c === undefined ? {} : {
        health: {
          verdict: c.verdict,
          reason: c.reason,
          hash: c.hash,
          phase: c.phase,
          at: c.finishedAt,
        },
      }),
      ...(h === undefined ? {} : { heldBack: { hash: h.hash, at: h.at, reason: h.reason } }),
    };
  });
}
