/**
 * The journal of a service's units for `hoist remote … logs`: one
 * `journalctl [--user] --no-pager -o short-iso -n TAIL [--since SINCE] -u UNIT…`. A quadlet
 * container's output reaches the journal through conmon, which runs in the unit's cgroup, so
 * `-u` finds it.
 *
 * Units of another account's user manager (`user =`, read by root) are matched by journald's
 * trusted fields instead: `_UID=UID _SYSTEMD_USER_UNIT=UNIT… + _UID=UID USER_UNIT=UNIT…` (what the
 * units' processes wrote, then what the account's manager said about them). `--user-unit` cannot
 * do it: journalctl pairs it with the caller's own `_UID`, so as root it finds nothing (measured in
 * the e2e namespace, systemd 257), and `--machine=NAME@` needs systemd-machined. Bounded: journalctl is stopped past {@link MAX_JOURNAL_BYTES} of output, and the
 * answer keeps the last {@link MAX_LOG_BYTES} (cut at a line start).
 *
 * @module
 */
import type { Mode } from "../types/mode.ts";
import { checked, type Runner } from "./run_command.ts";

/** What journalctl may print before it is stopped. */
export const MAX_JOURNAL_BYTES = 32 * 1024 * 1024;

/** What one answer holds at most. */
export const MAX_LOG_BYTES = 1024 * 1024;

/** The journal's lines. */
export interface LogsResult {
  readonly text: string;
  /** True when older lines were left out to stay within {@link MAX_LOG_BYTES}. */
  readonly truncated: boolean;
}

/** Reads the journal. */
export interface Journal {
  /** The last `tail` lines of `units` (since `since`, journalctl's syntax, when given). */
  logs(units: readonly string[], opts: { tail: number; since?: string }): Promise<LogsResult>;
}

/** Whose units: hoist's own manager (its mode) or the user manager of the account `uid`. */
export type JournalScope = Mode | { readonly uid: number };

/**
 * Argv of the one journalctl call.
 *
 * @example
 * ```ts
 * journalArgs({ uid: 1001 }, ["web.service"], { tail: 5 }).slice(5);
 * // ["_UID=1001", "_SYSTEMD_USER_UNIT=web.service", "+", "_UID=1001", "USER_UNIT=web.service"]
 * ```
 */
export function journalArgs(
  scope: JournalScope,
  units: readonly string[],
  opts: { tail: number; since?: string },
): string[] {
  const matches = typeof scope === "string" ? units.flatMap((u) => ["-u", u]) : [
    `_UID=${scope.uid}`,
    ...units.map((u) => `_SYSTEMD_USER_UNIT=${u}`),
    "+",
    `_UID=${scope.uid}`,
    ...units.map((u) => `USER_UNIT=${u}`),
  ];
  return [
    ...(scope === "user" ? ["--user"] : []),
    "--no-pager",
    "-o",
    "short-iso",
    "-n",
    String(opts.tail),
    ...(opts.since === undefined ? [] : ["--since", opts.since]),
    ...matches,
  ];
}

/** The last `max` bytes of `bytes` as text, starting at a line. */
export function lastBytes(bytes: Uint8Array, max = MAX_LOG_BYTES): LogsResult {
  if (bytes.length <= max) return { text: new TextDecoder().decode(bytes), truncated: false };
  let start = bytes.length - max;
  while (start < bytes.length && bytes[start - 1] !== 0x0a) start++;
  return { text: new TextDecoder().decode(bytes.subarray(start)), truncated: true };
}

/** Creates the adapter for the units of `scope`. */
export function createJournal(run: Runner, scope: JournalScope): Journal {
  return {
    async logs(units, opts) {
      if (units.length === 0) return { text: "", truncated: false };
      const r = await checked(run, {
        cmd: "journalctl",
        args: journalArgs(scope, units, opts),
        maxStdout: MAX_JOURNAL_BYTES,
        timeoutMs: 60_000,
      });
      return lastBytes(r.stdout);
    },
  };
}
