/**
 * The `Notify=healthy` trap: systemd waits for the container's first healthy check before the
 * start job finishes, and fails the start after `TimeoutStartSec=` (default 90 s), so a start
 * period longer than that fails every start of a slow container. Pure.
 *
 * @module
 */
import type { ReadyService } from "../desired/types.ts";
import { type Problem, problem } from "../errors.ts";

/** systemd's DefaultTimeoutStartSec. */
const DEFAULT_TIMEOUT_START_MS = 90_000;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

/**
 * A systemd or Go duration (`90`, `30s`, `1min 30s`, `1m30s`, `500ms`) in ms; `infinity` is
 * Infinity; undefined when unreadable.
 */
export function unitDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === "infinity") return Infinity;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  let total = 0;
  let rest = t.replace(/\s+/g, "");
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|sec|min|hr|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return t === "" ? undefined : total;
}

/** The last value of `key=` in `[section]` of a unit file. */
function keyValue(content: string, section: string, key: string): string | undefined {
  let current = "";
  let value: string | undefined;
  for (const raw of content.split("\n")) {
    const line = raw.trim();
    const s = /^\[(.+)\]$/.exec(line);
    if (s) current = s[1] ?? "";
    else if (current === section && line.startsWith(`${key}=`)) value = line.slice(key.length + 1);
  }
  return value;
}

/**
 * A warning for each container unit of `svc` with `Notify=healthy` whose `HealthStartPeriod=`
 * is not shorter than its `TimeoutStartSec=` (or systemd's default 90 s).
 */
export function notifyHealthyWarnings(svc: ReadyService): Problem[] {
  return svc.units.flatMap((u) => {
    if (u.type !== "container" || keyValue(u.content, "Container", "Notify") !== "healthy") {
      return [];
    }
    const period = unitDuration(keyValue(u.content, "Container", "HealthStartPeriod") ?? "0");
    const timeoutText = keyValue(u.content, "Service", "TimeoutStartSec");
    const timeout = timeoutText === undefined
      ? DEFAULT_TIMEOUT_START_MS
      : unitDuration(timeoutText);
    if (period === undefined || timeout === undefined || period < timeout) return [];
    return [problem(
      "warning",
      `${u.path}: Notify=healthy with HealthStartPeriod=${
        period / 1000
      }s, but systemd fails the start after TimeoutStartSec=${
        timeout / 1000
      }s: a container that needs its start period never starts`,
      {
        service: svc.name,
        file: u.source,
        ...(u.keyLines?.["Container.Notify"] === undefined
          ? {}
          : { line: u.keyLines["Container.Notify"] }),
        hint: `Set Service.TimeoutStartSec longer than the start period (e.g. ${
          Math.ceil(period / 1000) + 30
        }s)`,
      },
    )];
  });
}
