/**
 * Judging a (re)started service from what systemd and its probes said. Pure: the gate calls
 * {@link judge} after every look and waits what it says.
 *
 * @module
 */
import type { HealthSettings } from "../desired/health_settings.ts";
import type { Observation, UnitFacts, Verdict } from "./types.ts";

const UP = new Set(["active", "activating", "reloading"]);

/** The largest wait between two probes, as a multiple of the interval. */
const MAX_BACKOFF = 8;

/**
 * The wait before the next probe after `failures` failed ones in a row: the interval, doubled
 * per failure, at most {@link MAX_BACKOFF} intervals.
 *
 * @example
 * ```ts
 * [0, 1, 2, 3, 4].map((n) => probeDelay(n, 1000)); // [1000, 2000, 4000, 8000, 8000]
 * ```
 */
export function probeDelay(failures: number, intervalMs: number): number {
  return intervalMs * Math.min(2 ** Math.max(0, failures), MAX_BACKOFF);
}

/** Why a unit is not up, or undefined when it is. */
function downReason(u: UnitFacts): string | undefined {
  if (UP.has(u.active) && u.sub !== "auto-restart") return undefined;
  const details = [
    u.sub,
    u.result !== undefined && u.result !== "success" ? u.result : undefined,
    u.exitStatus !== undefined && u.exitStatus !== 0 ? `status ${u.exitStatus}` : undefined,
  ].filter((x) => x !== undefined && x !== "");
  return `${u.unit} ${u.active}${details.length > 0 ? ` (${details.join(", ")})` : ""}`;
}

/**
 * How often (and which) unit systemd restarted by itself (Restart=, counted in NRestarts) between
 * the first look and the last one. A new ActiveEnterTimestamp alone does not count: a restart
 * through a dependency or by hand is no crash.
 */
function restartReason(first: Observation, last: Observation): string | undefined {
  for (const u of last.units) {
    const before = first.units.find((f) => f.unit === u.unit);
    if (before === undefined) continue;
    const n = (u.nRestarts ?? 0) - (before.nRestarts ?? 0);
    if (n > 0) return `${u.unit} restarted ${n} time(s) by systemd`;
  }
  return undefined;
}

/**
 * The verdict on a service started at `startedAt` (epoch ms), given every look so far (oldest
 * first; `now` is the last look's time). In order:
 * - a unit down or restarting, or restarted by systemd since the first look (NRestarts grew: the
 *   `Restart=always` trap, a crash loop never reaches `failed`), is unhealthy at once;
 * - a look where systemd gave no restart count is `unknown` (nothing to judge by);
 * - `none` is healthy; `settle` is healthy once every unit has been up `settleMs`;
 * - a probe that passed is healthy; `retries` failed probes in a row after `start_period` are
 *   unhealthy;
 * - no verdict by `window` is unhealthy; otherwise wait ({@link probeDelay}, bounded by the window).
 * `auto` must be resolved first (see `resolveProbe`); it is judged as `settle`.
 */
export function judge(
  settings: HealthSettings,
  startedAt: number,
  looks: readonly Observation[],
): Verdict {
  const first = looks[0];
  const last = looks[looks.length - 1];
  if (first === undefined || last === undefined) return { state: "pending", waitMs: 0 };
  const now = last.at;
  for (const u of last.units) {
    const down = downReason(u);
    if (down !== undefined) return { state: "unhealthy", reason: down };
  }
  const restarted = restartReason(first, last);
  if (restarted !== undefined) return { state: "unhealthy", reason: restarted };
  if (!last.units.some((u) => u.nRestarts !== undefined)) {
    return { state: "unknown", reason: "systemd gave no restart count to judge by" };
  }
  const kind = settings.probe.kind;
  if (kind === "none") return { state: "healthy", reason: "health: none" };
  const deadline = startedAt + settings.windowMs;
  const bounded = (ms: number): Verdict => ({
    state: "pending",
    waitMs: Math.max(0, Math.min(ms, deadline - now)),
  });
  if (kind === "settle" || kind === "auto") {
    const since = Math.max(...last.units.map((u) => u.activeSince ?? startedAt));
    const up = now - since;
    if (up >= settings.settleMs) {
      return { state: "healthy", reason: `up ${Math.round(up / 1000)}s without a restart` };
    }
    if (now >= deadline) return { state: "unhealthy", reason: "not up long enough within window" };
    return bounded(settings.settleMs - up);
  }
  const counted = looks.filter((l) =>
    l.probe !== undefined && l.at >= startedAt + settings.startPeriodMs
  );
  const latest = [...looks].reverse().find((l) => l.probe !== undefined)?.probe;
  if (latest?.ok) {
    const tries = looks.filter((l) => l.probe !== undefined).length;
    return { state: "healthy", reason: `${kind} passed after ${tries} probe(s)` };
  }
  let failures = 0;
  for (let i = counted.length - 1; i >= 0 && counted[i]?.probe?.ok === false; i--) failures++;
  const why = latest !== undefined && !latest.ok ? latest.reason : "no answer";
  if (failures >= settings.retries) {
    return { state: "unhealthy", reason: `${why} after ${failures} tries` };
  }
  if (now >= deadline) {
    return {
      state: "unhealthy",
      reason: `no healthy ${kind} probe within ${settings.windowMs / 1000}s (last: ${why})`,
    };
  }
  if (latest === undefined) return bounded(0);
  const inStart = now < startedAt + settings.startPeriodMs;
  return bounded(inStart ? settings.intervalMs : probeDelay(failures - 1, settings.intervalMs));
}
