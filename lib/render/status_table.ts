/**
 * `hoist status` as data and as a table: desired vs running, per service. Pure.
 *
 * @module
 */
import type { DesiredState } from "../desired/types.ts";
import type { ObservedState } from "../types/observed.ts";
import { runsCurrent } from "../reconcile/own_hashes.ts";
import { containersOf, serviceUnitsOf } from "../reconcile/service_state.ts";
import type { UnitState } from "../types/observed.ts";

/** `active (running)`, `failed (exit-code)`, `not loaded`. */
function describeUnit(s: UnitState | undefined): string {
  if (s === undefined || s.load === "not-found") return "not loaded";
  const why = s.active === "failed" && s.result !== undefined && s.result !== "success"
    ? s.result
    : s.sub;
  return `${s.active} (${why})`;
}

/** One row of the status table. */
export interface StatusRow {
  readonly service: string;
  readonly desiredHash: string;
  readonly runningHash: string;
  /** The containers' podman states (`running`, `exited`…) or `no container`. */
  readonly state: string;
  /**
   * What systemd says of the service's entry units: `active (running)`, `failed (exit-code)`,
   * `activating (auto-restart)`, one per unit joined by `, `; "" where systemd is absent.
   */
  readonly unitState: string;
  readonly lastChange: string;
  readonly inSync: boolean;
  /** Set when the service was stopped through the remote API and is left stopped. */
  readonly stopped?: { readonly principal: string; readonly at: string };
  /** The last health verdict recorded for it on this host; absent when it was never judged. */
  readonly health?: StatusHealth;
  /** Set when the breaker keeps it at its running revision: its desired hash failed health here. */
  readonly heldBack?: { readonly hash: string; readonly at: string; readonly reason: string };
}

/** A service's last health verdict, as `hoist status` shows it. */
export interface StatusHealth {
  readonly verdict: "healthy" | "unhealthy" | "unknown";
  readonly reason: string;
  /** The hash judged; `phase: "rollback"` when it is the revision a rollback restored. */
  readonly hash: string;
  readonly phase: "deploy" | "rollback";
  /** ISO time of the verdict. */
  readonly at: string;
}

/** The HEALTH cell: `held back (3f2a…)`, else the last verdict (`healthy`, `unhealthy: why`). */
function describeHealth(r: StatusRow): string {
  if (r.heldBack !== undefined) return `held back (${r.heldBack.hash.slice(0, 12)} failed)`;
  const h = r.health;
  if (h === undefined) return "-";
  const why = h.reason.length > 48 ? `${h.reason.slice(0, 47)}…` : h.reason;
  const what = h.verdict === "healthy" ? "healthy" : `${h.verdict}: ${why}`;
  return h.phase === "rollback" ? `${what} (after rollback)` : what;
}

/** Rows for desired services and for services hoist still owns but no longer wants. Pure. */
export function statusRows(desired: DesiredState, observed: ObservedState): StatusRow[] {
  const names = [
    ...new Set([...desired.services.map((s) => s.name), ...observed.inventory.services.keys()]),
  ].sort();
  return names.map((name) => {
    const d = desired.services.find((s) => s.name === name);
    const containers = d?.status === "ready" && d.units.length > 0
      ? containersOf(d, observed)
      : observed.containers.filter((c) => c.service === name);
    const running = containers.filter((c) => c.state === "running");
    const runningHash = [...new Set(running.map((c) => c.hash))].join(",");
    const state = containers.length === 0
      ? (observed.runtime ? "no container" : "unknown")
      : [...new Set(containers.map((c) => c.state))].join(",");
    const entries = d?.status === "ready"
      ? serviceUnitsOf(d, "entry")
      : (observed.inventory.services.get(name)?.serviceUnits ?? []).slice(0, 1);
    const unitState = observed.runtime
      ? entries.map((u) => describeUnit(observed.units.get(u))).join(", ")
      : "";
    const desiredHash = d === undefined
      ? "(removed)"
      : d.status === "blocked"
      ? "(blocked)"
      : d.hash;
    return {
      service: name,
      desiredHash,
      runningHash,
      state,
      unitState,
      lastChange: observed.inventory.services.get(name)?.changedAt ?? "",
      inSync: d?.status === "ready" && running.length > 0 &&
        running.every((c) => runsCurrent(d, c, observed.inventory.services.get(name))),
    };
  });
}

/** A fixed-width table. */
export function statusText(rows: readonly StatusRow[], revision: string, host: string): string {
  const head = ["SERVICE", "DESIRED", "RUNNING", "STATE", "UNIT", "HEALTH", "LAST CHANGE"];
  const body = rows.map((
    r,
  ) => [
    r.service,
    r.desiredHash,
    r.runningHash || "-",
    r.stopped === undefined ? r.state : `${r.state}, stopped by ${r.stopped.principal}`,
    r.unitState || "-",
    describeHealth(r),
    r.lastChange || "-",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return `host ${host} at ${revision.slice(0, 12)}\n${
    [line(head), ...body.map(line)].join("\n")
  }\n`;
}
