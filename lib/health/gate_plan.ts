/**
 * What the health gate judges after an apply, and what a verdict leads to. Pure: the gate
 * (lib/apply/health_gate.ts) does the looking, probing and rolling back.
 *
 * @module
 */
import type { HealthSettings } from "../desired/health_settings.ts";
import type { ApplyResult } from "../reconcile/deployment_record.ts";
import type { InventoryUpdate } from "../reconcile/records.ts";
import type { Plan } from "../reconcile/types.ts";
import type { InventoryService } from "../types/observed.ts";
import type { HealthyRevision, Verdict } from "./types.ts";

/** A service the apply started or restarted, to judge. */
export interface Candidate {
  readonly service: string;
  /** The hash it now runs (the plan's), and the one the inventory had before (absent: new). */
  readonly hash: string;
  readonly prevHash?: string;
  readonly revision: string;
  /** Its generated `.service` units, judged by systemd's facts. */
  readonly units: readonly string[];
  /** The units the start or restart named (a compose project's restarted compose services). */
  readonly restarted?: readonly string[];
  /** The start's own failure (it died right after starting): unhealthy without looking. */
  readonly startError?: string;
  /** True when systemctl itself failed the start (no unit ever ran), rather than it dying after. */
  readonly startRefused?: boolean;
  /** The account it runs as (`user =`): judged through that account's manager and podman. */
  readonly user?: string;
}

/**
 * The services to judge: each one with a start or restart in `plan` that was not skipped (a
 * failed one is judged unhealthy by its error), with the hash the plan deploys.
 */
export function gateCandidates(
  plan: Plan,
  applied: ApplyResult,
  prev: ReadonlyMap<string, InventoryService>,
): Candidate[] {
  const out = new Map<string, Candidate>();
  for (const a of plan.actions) {
    if ((a.kind !== "start" && a.kind !== "restart") || out.has(a.service)) continue;
    const records = applied.actions.filter((r) =>
      r.service === a.service && (r.kind === "start" || r.kind === "restart")
    );
    if (records.some((r) => r.result === "skipped")) continue;
    const failed = records.find((r) => r.result === "failed");
    const refused = failed !== undefined && !records.some((r) => r.result === "ok");
    const change = plan.inventory.find((c) => c.service === a.service)?.record;
    const before = prev.get(a.service);
    const hash = change?.hash ?? before?.hash;
    if (hash === undefined) continue;
    const units = (change?.serviceUnits ?? before?.serviceUnits ?? a.units)
      .filter((u) => u.endsWith(".service"));
    out.set(a.service, {
      service: a.service,
      hash,
      ...(before === undefined ? {} : { prevHash: before.hash }),
      revision: plan.revision,
      units: units.length > 0 ? units : a.units,
      restarted: a.units,
      ...(failed?.error === undefined ? {} : { startError: failed.error }),
      ...(refused ? { startRefused: true } : {}),
      ...(a.user === undefined ? {} : { user: a.user }),
    });
  }
  return [...out.values()].sort((x, y) => x.service < y.service ? -1 : 1);
}

/** What the gate does with a verdict. */
export type GateStep =
  /** Record the revision as healthy: a rollback target from now on. */
  | { readonly kind: "keep" }
  /** Roll back to the last healthy revision, and hold the failed hash back. */
  | { readonly kind: "roll-back"; readonly reason: string }
  /** Unhealthy, but it runs the hash it ran before: report it, roll nothing back. */
  | { readonly kind: "report"; readonly reason: string }
  /** Nothing to judge by: keep it, record nothing as healthy. */
  | { readonly kind: "unchecked" };

/**
 * A healthy service is kept; an unhealthy one that the apply moved to a new hash is rolled back;
 * an unhealthy one whose hash did not change (a plain start) is reported, and so is a new service
 * whose start systemctl refused (retried next run, as any failed step); unknown stays unchecked.
 */
export function gateStep(c: Candidate, verdict: Verdict): GateStep {
  switch (verdict.state) {
    case "healthy":
      return { kind: "keep" };
    case "unhealthy":
      return (c.prevHash !== undefined && c.prevHash === c.hash) ||
          (c.prevHash === undefined && c.startRefused === true)
        ? { kind: "report", reason: verdict.reason }
        : { kind: "roll-back", reason: verdict.reason };
    default:
      return { kind: "unchecked" };
  }
}

/** The probe's name as recorded (`http`, `settle`…). */
export function probeName(settings: HealthSettings): string {
  return settings.probe.kind;
}

/**
 * The units a rollback to `target` restarts: for a compose project whose apply restarted only
 * some of its compose services' containers (`composeUnits`), those (the others kept running
 * what the target runs); otherwise all of the target's units.
 */
export function rollbackUnits(
  c: Candidate,
  target: HealthyRevision,
  composeUnits: readonly string[],
): readonly string[] {
  const restarted = c.restarted ?? [];
  const some = restarted.length > 0 && restarted.length < c.units.length &&
    restarted.every((u) => composeUnits.includes(u) && target.serviceUnits.includes(u));
  return some ? target.serviceUnits.filter((u) => restarted.includes(u)) : target.serviceUnits;
}

/**
 * The apply's inventory changes with `service` put back to `target`: its units and record are the
 * target's (in `user`'s quadlet folder and manager, when it runs as that account), and unit
 * files only the failed revision had are deleted.
 */
export function rolledBackInventory(
  inv: InventoryUpdate,
  target: HealthyRevision,
  failedPaths: readonly string[],
  now: string,
  user?: string,
): InventoryUpdate {
  const owner = user === undefined ? {} : { user };
  const keep = new Set(target.units.map((u) => u.path));
  const dropped = failedPaths.filter((p) => !keep.has(p));
  return {
    upsertUnits: [
      ...inv.upsertUnits.filter((u) => u.service !== target.service && !keep.has(u.path)),
      ...target.units.map((u) => ({
        path: u.path,
        service: target.service,
        serviceUnit: u.serviceUnit,
        ...owner,
      })),
    ],
    deleteUnits: [...new Set([...inv.deleteUnits.filter((p) => !keep.has(p)), ...dropped])],
    upsertServices: [
      ...inv.upsertServices.filter((s) => s.name !== target.service),
      {
        name: target.service,
        hash: target.hash,
        inputs: target.inputs,
        serviceUnits: target.serviceUnits,
        revision: target.revision,
        changedAt: now,
        ...owner,
      },
    ],
    deleteServices: inv.deleteServices.filter((n) => n !== target.service),
  };
}

/**
 * The verdicts with each unhealthy service that depends on another unhealthy one (directly or
 * through others) turned `unknown`: it is not blamed, nor rolled back, for its dependency.
 */
export function unblame(
  verdicts: ReadonlyMap<string, Verdict>,
  dependsOn: (service: string) => readonly string[],
): Map<string, Verdict> {
  const bad = (s: string) => verdicts.get(s)?.state === "unhealthy";
  const out = new Map(verdicts);
  for (const [service, v] of verdicts) {
    if (v.state !== "unhealthy") continue;
    const seen = new Set<string>([service]);
    const queue = [...dependsOn(service)];
    while (queue.length > 0) {
      const d = queue.shift() ?? "";
      if (seen.has(d)) continue;
      seen.add(d);
      if (bad(d)) {
        out.set(service, {
          state: "unknown",
          reason: `not judged: it depends on ${d}, which is unhealthy (${v.reason})`,
        });
        break;
      }
      queue.push(...dependsOn(d));
    }
  }
  return out;
}
