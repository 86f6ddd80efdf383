/**
 * systemctl adapter (`--user` in user mode).
 *
 * @module
 */
import type { UnitState } from "../types/observed.ts";
import { checked, type Runner } from "./run_command.ts";
import type { Mode } from "../types/mode.ts";

/** What hoist asks of systemd. */
export interface Systemctl {
  /** States of `units` from one `systemctl show` call. */
  show(units: readonly string[]): Promise<Map<string, UnitState>>;
  daemonReload(): Promise<void>;
  start(units: readonly string[]): Promise<void>;
  restart(units: readonly string[]): Promise<void>;
  stop(units: readonly string[]): Promise<void>;
}

/** Argv prefix for the mode. */
export function baseArgs(mode: Mode): string[] {
  return mode === "user" ? ["--user"] : [];
}

/**
 * Parses `systemctl show -p Id,LoadState,ActiveState,SubState,SourcePath,FragmentPath` output
 * (blank-line separated blocks).
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
    });
  }
  return out;
}

/** Creates the systemctl adapter. */
export function createSystemctl(
  run: Runner,
  mode: Mode,
  bin = "systemctl",
): Systemctl {
  const ctl = (args: string[]) => checked(run, { cmd: bin, args: [...baseArgs(mode), ...args] });
  return {
    async show(units) {
      if (units.length === 0) return new Map();
      const r = await ctl([
        "show",
        "--property=Id,LoadState,ActiveState,SubState,SourcePath,FragmentPath",
        "--",
        ...units,
      ]);
      return parseShow(new TextDecoder().decode(r.stdout));
    },
    async daemonReload() {
      await ctl(["daemon-reload"]);
    },
    async start(units) {
      await ctl(["start", "--", ...units]);
    },
    async restart(units) {
      await ctl(["restart", "--", ...units]);
    },
    async stop(units) {
      await ctl(["stop", "--", ...units]);
    },
  };
}
