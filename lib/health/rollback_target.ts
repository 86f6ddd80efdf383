/**
 * Which revision an unhealthy service goes back to, and how that is said. Pure.
 *
 * @module
 */
import type { FailedHash, HealthyRevision } from "./types.ts";

/**
 * The newest revision of `service` that passed health here, is not `failedHash`, has not failed
 * since, and whose immutable copy still exists (`copyExists`, by folder; a revision without files
 * needs none). Undefined when there is none: the service is reported down, not flapped.
 *
 * @example
 * ```ts
 * rollbackTarget("web", "bad", [good1, good2], [], () => true)?.hash; // the newer of the two
 * ```
 */
export function rollbackTarget(
  service: string,
  failedHash: string,
  healthy: readonly HealthyRevision[],
  failed: readonly FailedHash[],
  copyExists: (dir: string) => boolean,
): HealthyRevision | undefined {
  const bad = new Set(failed.filter((f) => f.service === service).map((f) => f.hash));
  return healthy
    .filter((h) =>
      h.service === service && h.hash !== failedHash && !bad.has(h.hash) &&
      (h.dir === undefined || copyExists(h.dir))
    )
    .sort((a, b) => a.at < b.at ? 1 : a.at > b.at ? -1 : 0)[0];
}

/**
 * The line a rolled-back (or down) service prints: `web: rolled back 3f2a… → 9c1d… (http 503
 * after 3 tries)`.
 */
export function rollbackLine(
  service: string,
  from: string,
  to: string | undefined,
  reason: string,
): string {
  const short = (h: string) => `${h.slice(0, 8)}…`;
  return to === undefined
    ? `${service}: ${
      short(from)
    } failed health (${reason}) and no healthy revision is left to roll back to: down`
    : `${service}: rolled back ${short(from)} → ${short(to)} (${reason})`;
}

/**
 * The revisions `hoist rollback SERVICE` offers: those that passed health here, other than the
 * one running, whose copy still exists, newest first; `to` (a hash or revision, or a prefix of 4
 * or more characters) picks one of them.
 */
export function manualTarget(
  current: string,
  healthy: readonly HealthyRevision[],
  copyExists: (dir: string) => boolean,
  to: string | undefined,
): { offered: HealthyRevision[]; target?: HealthyRevision; why?: string } {
  const offered = healthy
    .filter((h) => h.hash !== current && (h.dir === undefined || copyExists(h.dir)))
    .sort((a, b) => a.at < b.at ? 1 : a.at > b.at ? -1 : 0);
  const newest = offered[0];
  if (newest === undefined) return { offered, why: "no other revision passed health here" };
  if (to === undefined) return { offered, target: newest };
  if (to.length < 4) return { offered, why: `--to ${to} is too short (give 4 or more characters)` };
  const hits = offered.filter((h) => h.hash.startsWith(to) || h.revision.startsWith(to));
  const [hit] = hits;
  if (hit !== undefined && hits.length === 1) return { offered, target: hit };
  return {
    offered,
    why: hits.length === 0
      ? `no offered revision matches ${to}`
      : `${to} matches ${hits.length} revisions`,
  };
}
