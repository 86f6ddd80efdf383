/**
 * What the health gate and its rollback call ({@link GateDeps}), and where a service's facts and
 * probes come from: hoist's own adapters, or those of the account it runs as (`user =`).
 *
 * @module
 */
import type { Fs } from "../adapters/fs.ts";
import type { HealthProbes } from "../adapters/health_probe.ts";
import type { Systemctl } from "../adapters/systemctl.ts";
import type { UnitFactsReader } from "../adapters/unit_facts.ts";
import type { AccountExec } from "./account_exec.ts";
import type { Candidate } from "../health/gate_plan.ts";

/** What the gate calls. */
export interface GateDeps {
  readonly fs: Fs;
  readonly systemctl: Systemctl;
  readonly facts: UnitFactsReader;
  readonly probes: HealthProbes;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * The adapters of an account services run as (`user =`): its manager, quadlet folder, unit
   * facts and podman; undefined (or absent) when it is not known here.
   */
  readonly accountExec?: (user: string) => AccountGate | undefined;
}

/** What the gate uses of an account. */
export type AccountGate = Pick<AccountExec, "systemctl" | "files" | "facts" | "probes">;

/** Where a candidate's facts and probes come from: hoist's own, or its account's. */
export function lookersOf(
  c: Candidate,
  deps: GateDeps,
): Pick<GateDeps, "facts" | "probes"> | { readonly missing: string } {
  if (c.user === undefined) return deps;
  return deps.accountExec?.(c.user) ??
    { missing: `account ${c.user} is not known here: cannot look at its services` };
}
