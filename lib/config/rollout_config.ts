/**
 * `[rollout]` of the agent config → {@link RolloutPolicy}: deploy a host's changes only inside
 * time windows, and only commits at least `min_commit_age` old. Pure; `config_schema.ts` puts the
 * schema in its own.
 *
 * ```toml
 * [rollout]
 * windows = ["Mon-Fri 02:00-05:00", "Sat 10:00-12:00"]
 * time_zone = "Europe/Berlin"
 * min_commit_age = "30m"
 * ```
 *
 * @module
 */
import { z } from "zod";
import { parseDuration } from "../desired/parse_duration.ts";
import { HoistError } from "../errors.ts";
import { parseWindow, type RolloutPolicy, type RolloutWindow } from "../health/rollout.ts";

/** The schema of `[rollout]`; values are checked by {@link rolloutConfig}, with lines. */
export const rolloutSchema = z.strictObject({
  windows: z.array(z.string()).optional(),
  time_zone: z.string().optional(),
  min_commit_age: z.union([z.string(), z.number()]).optional(),
});

/** No `[rollout]`: any time, any commit. */
export const NO_ROLLOUT: RolloutPolicy = { windows: [], timeZone: "UTC", minCommitAgeMs: 0 };

const HINT = '[rollout] windows = ["Mon-Fri 02:00-05:00"] (days Sun..Sat, a range or a list; ' +
  'times HH:MM, an end before the start runs past midnight), time_zone = "Europe/Berlin" ' +
  '(an IANA name, required with windows), min_commit_age = "30m" (ms, s, m, h)';

/**
 * `[rollout]` as parsed → the policy. A window that does not parse, an unknown time zone, windows
 * without a time zone or a duration that is not one are `config-invalid`, each naming its line.
 *
 * @example
 * ```ts
 * rolloutConfig({ windows: ["Mon-Fri 02:00-05:00"], time_zone: "UTC" }, text, "config.toml");
 * ```
 */
export function rolloutConfig(
  parsed: z.infer<typeof rolloutSchema> | undefined,
  lineOf: (key: string) => number | undefined,
  file: string,
): RolloutPolicy {
  if (parsed === undefined) return NO_ROLLOUT;
  const errors: string[] = [];
  const at = (key: string) => {
    const line = lineOf(key);
    return line === undefined ? file : `${file}:${line}`;
  };
  const windows: RolloutWindow[] = [];
  for (const [i, text] of (parsed.windows ?? []).entries()) {
    const w = parseWindow(text);
    if (w === undefined) {
      errors.push(
        `${at("windows")}: rollout.windows[${i}]: ${
          JSON.stringify(text)
        } is not a window like "Mon-Fri 02:00-05:00"`,
      );
    } else windows.push(w);
  }
  const timeZone = parsed.time_zone;
  if (timeZone !== undefined && !knownZone(timeZone)) {
    errors.push(
      `${at("time_zone")}: rollout.time_zone: ${
        JSON.stringify(timeZone)
      } is not a time zone (an IANA name like "Europe/Berlin" or "UTC")`,
    );
  }
  if (windows.length > 0 && timeZone === undefined) {
    errors.push(
      `${at("windows")}: rollout.windows needs time_zone: the windows are in no zone by default`,
    );
  }
  const age = parsed.min_commit_age;
  const ageMs = age === undefined
    ? 0
    : typeof age === "number"
    ? (age >= 0 ? age * 1000 : undefined)
    : parseDuration(age);
  if (ageMs === undefined) {
    errors.push(
      `${at("min_commit_age")}: rollout.min_commit_age must be a duration like "30m", got ${
        JSON.stringify(age)
      }`,
    );
  }
  if (errors.length > 0) throw new HoistError("config-invalid", errors.join("\n"), HINT);
  return { windows, timeZone: timeZone ?? "UTC", minCommitAgeMs: ageMs ?? 0 };
}

/** Whether `zone` is a time zone this runtime knows. */
function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone !== "";
  } catch {
    return false;
  }
}
