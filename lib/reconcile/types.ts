/**
 * The plan: data that says exactly what apply will do, and why (the reason is for display only).
 *
 * @module
 */
import type { DesiredFile } from "../desired/types.ts";
import type { Problem } from "../errors.ts";
import type { SourceVerdict } from "../trust/types.ts";

/** Write one quadlet file (atomically). `previous` is the file on disk, for the diff. */
export interface WriteAction {
  readonly kind: "write";
  readonly service: string;
  readonly unit: string;
  readonly content: string;
  readonly previous: string | null;
  /** The generated service name, recorded in the inventory. */
  readonly serviceUnit: string;
  /** Environment variables whose values plan output masks (in `previous`: adopted older units). */
  readonly sensitive?: readonly string[];
  readonly reason: string;
}

/** Remove one quadlet file hoist wrote earlier. */
export interface RemoveAction {
  readonly kind: "remove";
  readonly service: string;
  readonly unit: string;
  readonly previous: string | null;
  readonly reason: string;
}

/** Create an immutable folder of files (`${SERVICE_DIR}` or the host copy) if it does not exist. */
export interface CopyAction {
  readonly kind: "copy";
  /** Service name, or "" for the host folder copy. */
  readonly service: string;
  readonly dir: string;
  readonly files: readonly DesiredFile[];
  readonly reason: string;
}

/** Delete immutable copies no longer kept. */
export interface PruneAction {
  readonly kind: "prune";
  readonly service: string;
  readonly dirs: readonly string[];
  readonly reason: string;
}

/** One daemon-reload, then wait until `waitFor` units are loaded. */
export interface ReloadAction {
  readonly kind: "daemon-reload";
  readonly waitFor: readonly string[];
  readonly reason: string;
}

/** start / restart / stop the systemd units of one service, in one call. */
export interface UnitAction {
  readonly kind: "start" | "restart" | "stop";
  readonly service: string;
  readonly units: readonly string[];
  readonly reason: string;
}

/** A config.yml pre/post script, run with bash in the host copy. */
export interface ScriptAction {
  readonly kind: "run-script";
  readonly phase: "pre" | "post";
  readonly script: string;
  readonly cwd: string;
  readonly reason: string;
}

/** Every step the executor knows. It switches on `kind` alone. */
export type Action =
  | WriteAction
  | RemoveAction
  | CopyAction
  | PruneAction
  | ReloadAction
  | UnitAction
  | ScriptAction;

/** What the inventory should say about a service once its actions succeeded (null: forget it). */
export interface InventoryChange {
  readonly service: string;
  readonly record: {
    readonly hash: string;
    readonly inputs: Readonly<Record<string, string>>;
    readonly serviceUnits: readonly string[];
    /** Quadlet files of the service (also those already on disk, which hoist adopts). */
    readonly units: readonly { readonly path: string; readonly serviceUnit: string }[];
  } | null;
}

/** The result of reconcile(): applied as-is by apply, printed as-is by plan. */
export interface Plan {
  readonly revision: string;
  readonly host: string;
  readonly actions: readonly Action[];
  readonly inventory: readonly InventoryChange[];
  readonly problems: readonly Problem[];
  /** True when an error blocks the whole plan (config.yml broken): nothing is applied. */
  readonly blocked: boolean;
  /** Each source's commit, signer and trust verdict (set by the caller; reconcile() leaves it out). */
  readonly sources?: readonly SourceVerdict[];
}

/** Actions that change the host (scripts run every time and do not count). */
export function changeCount(plan: Plan): number {
  return plan.actions.filter((a) => a.kind !== "run-script").length;
}
