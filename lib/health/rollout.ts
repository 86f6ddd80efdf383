/**
 * Rollout controls: deploy only inside time windows, and only commits at least `min_commit_age`
 * old (a canary host with 0 goes first, the fleet follows after a soak). Pure: the clock and the
 * time zone are passed in.
 *
 * @module
 */

/** One window: days of the week (0 = Sunday) and minutes of the day, end exclusive. */
export interface RolloutWindow {
  readonly text: string;
  readonly days: ReadonlySet<number>;
  readonly startMin: number;
  readonly endMin: number;
}

/** A host's rollout policy. */
export interface RolloutPolicy {
  readonly windows: readonly RolloutWindow[];
  /** IANA time zone the windows are in (`UTC`, `Europe/Berlin`). */
  readonly timeZone: string;
  readonly minCommitAgeMs: number;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** `02:00` → 120; `24:00` → 1440; undefined when not a time. */
function minutes(text: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v <= 1440 ? v : undefined;
}

/**
 * Parses `Mon-Fri 02:00-05:00`, `Sat,Sun 00:00-24:00` or `22:00-02:00` (every day; an end before
 * the start runs past midnight, counted on the day it starts). Undefined when malformed.
 *
 * @example
 * ```ts
 * parseWindow("Mon-Fri 02:00-05:00")?.days; // Set {1, 2, 3, 4, 5}
 * ```
 */
export function parseWindow(text: string): RolloutWindow | undefined {
  const m = /^(?:([A-Za-z,-]+)\s+)?(\d\d:\d\d)-(\d\d:\d\d)$/.exec(text.trim());
  if (!m) return undefined;
  const startMin = minutes(m[2] ?? "");
  const endMin = minutes(m[3] ?? "");
  if (startMin === undefined || endMin === undefined || startMin === endMin) return undefined;
  const days = new Set<number>();
  for (const part of (m[1] ?? "Sun-Sat").split(",")) {
    const [from, to] = part.split("-");
    const a = DAYS.indexOf(from ?? "");
    const b = to === undefined ? a : DAYS.indexOf(to);
    if (a < 0 || b < 0) return undefined;
    for (let d = a;; d = (d + 1) % 7) {
      days.add(d);
      if (d === b) break;
    }
  }
  return { text: text.trim(), days, startMin, endMin };
}

/** Weekday (0 = Sunday) and minute of the day of `at` in `timeZone`. */
function localTime(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return {
    day: DAYS.indexOf(get("weekday")),
    minute: Number(get("hour")) * 60 + Number(get("minute")),
  };
}

/** Whether `at` falls in `w` (in `timeZone`). */
export function inWindow(w: RolloutWindow, at: Date, timeZone: string): boolean {
  const { day, minute } = localTime(at, timeZone);
  if (w.startMin < w.endMin) return w.days.has(day) && minute >= w.startMin && minute < w.endMin;
  // past midnight: the evening part on a listed day, the morning part on the day after one
  return (w.days.has(day) && minute >= w.startMin) ||
    (w.days.has((day + 6) % 7) && minute < w.endMin);
}

/** What the policy says about deploying a commit now; `until` is when it would go (ISO). */
export type RolloutDecision =
  | { readonly go: true }
  | { readonly go: false; readonly reason: string; readonly until?: string };

/** Whether `at` falls in any of the policy's windows (always, when it has none). */
function open(policy: RolloutPolicy, at: Date): boolean {
  return policy.windows.length === 0 ||
    policy.windows.some((w) => inWindow(w, at, policy.timeZone));
}

/**
 * The first minute at or after `from` inside a window: jumps from one window start (or local
 * midnight, where a window runs past it) to the next, so a DST shift only costs another jump.
 * Undefined when no window opens in the next 8 days (none do, or the zone skips them).
 */
export function nextOpening(policy: RolloutPolicy, from: Date): Date | undefined {
  const first = Math.ceil(from.getTime() / 60_000) * 60_000;
  const isOpen = (t: number) => t >= first && open(policy, new Date(t));
  const starts = policy.windows.flatMap((w) =>
    w.startMin < w.endMin ? [w.startMin] : [w.startMin, 0]
  );
  let t = first;
  for (let i = 0; i < 64 && t - first <= 8 * 86_400_000; i++) {
    // a jump over a DST change lands an hour off: look an hour either side too
    const hit = [t, t - 3_600_000, t + 3_600_000].filter(isOpen).sort((a, b) => a - b)[0];
    if (hit !== undefined) {
      let h = hit;
      for (let k = 0; k < 60 && isOpen(h - 60_000); k++) h -= 60_000;
      return new Date(h);
    }
    const { minute } = localTime(new Date(t), policy.timeZone);
    const jump = Math.min(...starts.map((m) => (m - minute + 1440) % 1440 || 1440));
    t += jump * 60_000;
  }
  return undefined;
}

/** `Thu 2026-12-03 02:00 Europe/Berlin`: a time as the policy's windows read. */
export function localStamp(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("weekday")} ${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${
    get("minute")
  } ${timeZone}`;
}

/**
 * Go, or wait: outside every window ("waiting for window Mon-Fri 02:00-05:00 (next opens at Thu
 * 2026-12-03 02:00 Europe/Berlin)"), or for a commit younger than `minCommitAgeMs` ("waiting:
 * commit is 12m old, min_commit_age 30m, deploys at …", the first window minute after its soak
 * when there are windows). `now: true` (`hoist apply --now`) overrides both; no windows means any
 * time; a commit without a known time is not held by its age.
 */
export function rolloutDecision(
  policy: RolloutPolicy,
  at: Date,
  committedAtSec: number | undefined,
  now: boolean,
): RolloutDecision {
  if (now) return { go: true };
  const until = (d: Date | undefined) => d === undefined ? {} : { until: d.toISOString() };
  if (committedAtSec !== undefined && policy.minCommitAgeMs > 0) {
    const age = at.getTime() - committedAtSec * 1000;
    if (age < policy.minCommitAgeMs) {
      const m = (ms: number) => `${Math.max(0, Math.floor(ms / 60_000))}m`;
      const soaked = nextOpening(policy, new Date(committedAtSec * 1000 + policy.minCommitAgeMs));
      return {
        go: false,
        reason: `waiting: commit is ${m(age)} old, min_commit_age ${m(policy.minCommitAgeMs)}, ` +
          `deploys at ${
            soaked === undefined
              ? "no window in the next 8 days"
              : localStamp(soaked, policy.timeZone)
          }`,
        ...until(soaked),
      };
    }
  }
  if (!open(policy, at)) {
    const next = nextOpening(policy, at);
    return {
      go: false,
      reason: `waiting for window ${policy.windows.map((w) => w.text).join(", ")} (${
        next === undefined
          ? `${policy.timeZone}, none opens in the next 8 days`
          : `next opens at ${localStamp(next, policy.timeZone)}`
      })`,
      ...until(next),
    };
  }
  return { go: true };
}
