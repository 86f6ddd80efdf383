/**
 * systemctl adapter (`--user` in user mode).
 *
 * Unit lists are passed in batches of at most {@link ARGV_BUDGET} bytes of unit names, so any
 * number of units stays below the kernel's argument limit (`Argument list too long`); `show` and
 * `list` merge the batches' answers, the others run the batches in order.
 *
 * @module
 */
import type { UnitState } from "../types/observed.ts";
import { checked, CommandError, type Runner } from "./run_command.ts";
import type { Mode } from "../types/mode.ts";

/** What hoist asks of systemd. */
export interface Systemctl {
  /** States of `units` from one `systemctl show` call. */
  show(units: readonly string[]): Promise<Map<string, UnitState>>;
  daemonReload(): Promise<void>;
  /**
   * Clears the failed state and the start-rate counter of `units` (`reset-failed`), so a start
   * limit hit by earlier restarts does not refuse the next one; units systemd has not loaded are
   * left alone.
   */
  resetFailed(units: readonly string[]): Promise<void>;
  start(units: readonly string[]): Promise<void>;
  restart(units: readonly string[]): Promise<void>;
  stop(units: readonly string[]): Promise<void>;
}

/** {@link Systemctl} plus the cheap state listing observe uses. */
export interface ListingSystemctl extends Systemctl {
  /**
   * Load, active and sub state of `units` from one `systemctl list-units --all` call: cheap for
   * PID 1 (no per-unit property dump), but no source path, Result or NeedDaemonReload. Only
   * units systemd holds in memory are listed: an absent one is unknown (ask `show`, which loads
   * it), not `not-found`.
   */
  list(units: readonly string[]): Promise<Map<string, UnitState>>;
}

/**
 * Argv prefix for the mode; with `account`, that account's user manager (rootful hoist deploying
 * a service with `user =`): `--user --machine=NAME@`.
 */
export function baseArgs(mode: Mode, account?: string): string[] {
  if (account !== undefined) return ["--user", `--machine=${account}@`];
  return mode === "user" ? ["--user"] : [];
}

/** Bytes of unit names per systemctl call: far below ARG_MAX (2 MiB with the environment). */
export const ARGV_BUDGET = 64 * 1024;

/** `units` in consecutive batches of at most `budget` bytes of names (one name per batch at least). */
export function batches(units: readonly string[], budget = ARGV_BUDGET): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const u of units) {
    const bytes = new TextEncoder().encode(u).length + 1;
    if (current.length > 0 && size + bytes > budget) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(u);
    size += bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The properties `show` asks for. */
export const SHOW_PROPERTIES =
  "Id,LoadState,ActiveState,SubState,Result,NeedDaemonReload,ActiveEnterTimestamp,SourcePath,FragmentPath";

/** `Tue 2026-12-01 21:35:10.696310 UTC` (`--timestamp=us+utc`) → epoch ms; undefined when empty. */
export function parseTimestamp(text: string | undefined): number | undefined {
  const m = /(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? UTC$/.exec(text ?? "");
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${(m[3] ?? "").slice(0, 4)}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Parses `systemctl show --timestamp=us+utc -p` {@link SHOW_PROPERTIES} output (blank-line
 * separated blocks).
 */
export function parseShow(text: string): Map<string, UnitState> {
  const out = new Map<string, UnitState>();
  for (const block of text.split(/\n\s*\n/)) {
    const kv = new Map<string, string>();
    for (const line of block.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const id = kv.get("Id");
    if (!id) continue;
    out.set(id, {
      load: kv.get("LoadState") ?? "",
      active: kv.get("ActiveState") ?? "",
      sub: kv.get("SubState") ?? "",
      source: kv.get("SourcePath") || kv.get("FragmentPath") || "",
      ...(kv.has("Result") ? { result: kv.get("Result") ?? "" } : {}),
      ...(kv.get("NeedDaemonReload") === "yes" ? { needReload: true } : {}),
      ...activeSince(kv.get("ActiveEnterTimestamp")),
    });
  }
  return out;
}

/** The argv of {@link ListingSystemctl.list} for one batch (after the mode's {@link baseArgs}). */
export function listArgs(units: readonly string[]): string[] {
  return ["list-units", "--all", "--plain", "--no-legend", "--full", "--no-pager", "--", ...units];
}

/**
 * Parses `systemctl list-units --all --plain --no-legend --full` output (`UNIT LOAD ACTIVE SUB
 * DESCRIPTION…`, one unit a line; unit names never hold a space). systemd lists only the units it
 * holds in memory: one it never loaded or has garbage-collected (stopped, unreferenced) is absent
 * even when its file exists, so an absent unit is unknown, not `not-found`.
 *
 * @example
 * ```ts
 * parseListUnits("web.service loaded active running web.service\n").get("web.service");
 * // {load:"loaded", active:"active", sub:"running"}
 * ```
 */
export function parseListUnits(text: string): Map<string, UnitState> {
  const out = new Map<string, UnitState>();
  for (const line of text.split("\n")) {
    // a leading marker (● or *) where systemd shows one despite --plain
    const [unit, load, active, sub] = line.trim().replace(/^[●*]\s+/, "").split(/\s+/);
    if (unit === undefined || unit === "" || load === undefined || active === undefined) continue;
    if (sub === undefined) continue;
    out.set(unit, { load, active, sub });
  }
  return out;
}

function activeSince(text: string | undefined): { activeSince?: number } {
  const ms = parseTimestamp(text);
  return ms === undefined ? {} : { activeSince: ms };
}

/** Creates the systemctl adapter (of `account`'s user manager when given). */
export function createSystemctl(
  run: Runner,
  mode: Mode,
  bin = "systemctl",
  account?: string,
): ListingSystemctl {
  const prefix = baseArgs(mode, account);
  const ctl = (args: string[]) => checked(run, { cmd: bin, args: [...prefix, ...args] });
  const each = async (verb: string, units: readonly string[]) => {
    for (const batch of batches(units)) await ctl([verb, "--", ...batch]);
  };
  return {
    async show(units) {
      const out = new Map<string, UnitState>();
      for (const batch of batches(units)) {
        const r = await ctl([
          "show",
          "--timestamp=us+utc",
          `--property=${SHOW_PROPERTIES}`,
          "--",
          ...batch,
        ]);
        for (const [k, v] of parseShow(new TextDecoder().decode(r.stdout))) out.set(k, v);
      }
      return out;
    },
    async list(units) {
      const out = new Map<string, UnitState>();
      for (const batch of batches(units)) {
        const r = await ctl(listArgs(batch));
        for (const [k, v] of parseListUnits(new TextDecoder().decode(r.stdout))) out.set(k, v);
      }
      return out;
    },
    async daemonReload() {
      await ctl(["daemon-reload"]);
    },
    async resetFailed(units) {
      for (const batch of batches(units)) {
        await ctl(["reset-failed", "--", ...batch]).catch((e) => {
          // systemd refuses the whole call for a unit it has not loaded: retry the others
          if (!(e instanceof CommandError && /not loaded/i.test(e.stderrTail))) throw e;
          return resetLoaded(batch);
        });
      }
    },
    start: (units) => each("start", units),
    restart: (units) => each("restart", units),
    stop: (units) => each("stop", units),
  };

  async function resetLoaded(units: readonly string[]): Promise<void> {
    for (const u of units) {
      await ctl(["reset-failed", "--", u]).catch((e) => {
        if (!(e instanceof CommandError && /not loaded/i.test(e.stderrTail))) throw e;
      });
    }
  }
}
