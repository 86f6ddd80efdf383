/**
 * Read-only `systemctl show` of what health gating judges by: the state, the start job's Result,
 * systemd's own restart count (NRestarts), ActiveEnterTimestamp and the main process's exit
 * status. `Restart=always` keeps a crash-looping unit out of `failed`; NRestarts and
 * ActiveEnterTimestamp still tell.
 *
 * Contract (systemd 257): `systemctl [--user] show --timestamp=us+utc --property=… -- UNIT…`
 * prints one blank-line separated block per unit, `Key=value` lines; NRestarts is printed for
 * service units (absent for others and from systemctl's that predate it).
 *
 * @module
 */
import type { Mode } from "../types/mode.ts";
import { checked, type Runner } from "./run_command.ts";
import { baseArgs, batches, parseTimestamp } from "./systemctl.ts";

/** One unit's facts (see lib/health/types.ts `UnitFacts`, the same shape). */
export interface UnitFactsRow {
  readonly unit: string;
  readonly active: string;
  readonly sub: string;
  readonly result?: string;
  readonly nRestarts?: number;
  readonly activeSince?: number;
  readonly exitStatus?: number;
}

/** The properties asked for. */
export const FACT_PROPERTIES =
  "Id,ActiveState,SubState,Result,NRestarts,ActiveEnterTimestamp,ExecMainStatus";

/** Parses the `show` output of {@link FACT_PROPERTIES}, keyed by unit. */
export function parseUnitFacts(text: string): Map<string, UnitFactsRow> {
  const out = new Map<string, UnitFactsRow>();
  for (const block of text.split(/\n\s*\n/)) {
    const kv = new Map<string, string>();
    for (const line of block.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const unit = kv.get("Id");
    if (!unit) continue;
    const num = (k: string) => {
      const v = kv.get(k);
      return v !== undefined && /^\d+$/.test(v) ? { [k]: Number(v) } : {};
    };
    const since = parseTimestamp(kv.get("ActiveEnterTimestamp"));
    const n = num("NRestarts").NRestarts;
    const status = num("ExecMainStatus").ExecMainStatus;
    out.set(unit, {
      unit,
      active: kv.get("ActiveState") ?? "",
      sub: kv.get("SubState") ?? "",
      ...(kv.has("Result") ? { result: kv.get("Result") ?? "" } : {}),
      ...(n === undefined ? {} : { nRestarts: n }),
      ...(since === undefined ? {} : { activeSince: since }),
      ...(status === undefined ? {} : { exitStatus: status }),
    });
  }
  return out;
}

/** Reads unit facts. */
export interface UnitFactsReader {
  facts(units: readonly string[]): Promise<Map<string, UnitFactsRow>>;
}

/**
 * Creates the reader (`--user` in user mode; with `account`, that account's user manager:
 * `--user --machine=NAME@`).
 */
export function createUnitFacts(
  run: Runner,
  mode: Mode,
  bin = "systemctl",
  account?: string,
): UnitFactsReader {
  return {
    async facts(units) {
      const out = new Map<string, UnitFactsRow>();
      for (const batch of batches(units)) {
        const r = await checked(run, {
          cmd: bin,
          args: [
            ...baseArgs(mode, account),
            "show",
            "--timestamp=us+utc",
            `--property=${FACT_PROPERTIES}`,
            "--",
            ...batch,
          ],
          timeoutMs: 10_000,
        });
        for (const [k, v] of parseUnitFacts(new TextDecoder().decode(r.stdout))) out.set(k, v);
      }
      return out;
    },
  };
}
