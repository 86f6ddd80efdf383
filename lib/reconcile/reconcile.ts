/**
 * reconcile(desired, observed, options) → Plan. Pure, total, deterministic.
 *
 * @module
 */
import { type DesiredState, readyServices } from "../desired/types.ts";
import { hasErrors, type Problem, problem } from "../errors.ts";
import type { InventoryUnit, ObservedState } from "../types/observed.ts";
import { type KnownUnit, systemdConsequences } from "./consequences.ts";
import { dependencyGraph } from "./dependency_graph.ts";
import { hostCopies, scriptActions, serviceScriptActions } from "./host_actions.ts";
import { orderServices } from "./order_services.ts";
import { type OrphanPlan, planOrphans } from "./orphans.ts";
import { ownershipProblems } from "./ownership.ts";
import { planService, type ServicePlan } from "./service_plan.ts";
import { notifyHealthyWarnings } from "../health/notify_healthy.ts";
import type { Action, InventoryChange, Plan, UnitAction } from "./types.ts";

/** Knobs of reconcile. */
export interface ReconcileOptions {
  /** Immutable copies kept per service besides the current one. */
  readonly keepCopies: number;
}

/**
 * Compares the desired state with one observed snapshot and returns what to do.
 *
 * - units whose file differs are written; units hoist wrote that are no longer desired are stopped,
 *   then removed;
 * - a service whose hash differs from its containers' (or the inventory's) is restarted, one that
 *   is not running is started, one dropped from config.yml is stopped and its files removed;
 * - a service with errors is left exactly as it is;
 * - starts and restarts follow dependency order, stops the reverse.
 *
 * @example
 * ```ts
 * const plan = reconcile(desired, observed, { keepCopies: 3 });
 * plan.actions.map((a) => a.kind); // ["copy", "write", "daemon-reload", "start"]
 * ```
 */
export function reconcile(
  desired: DesiredState,
  observed: ObservedState,
  options: ReconcileOptions,
): Plan {
  const problems: Problem[] = [...observed.warnings, ...desired.problems];
  const base = { revision: desired.revision, host: desired.host };
  if (hasErrors(desired.problems)) {
    return { ...base, actions: [], consequences: [], inventory: [], problems, blocked: true };
  }
  const invUnits = [...observed.inventory.units.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0
  );
  const ctx = {
    observed,
    invUnits,
    desiredPaths: new Set(
      desired.services.flatMap((s) => s.status === "ready" ? s.units.map((u) => u.path) : []),
    ),
    keepCopies: options.keepCopies,
  };
  const plans: ServicePlan[] = [];
  for (const svc of desired.services) {
    problems.push(...svc.problems);
    if (svc.status === "blocked") continue;
    const refused = ownershipProblems(svc, observed);
    problems.push(...refused);
    if (refused.length > 0) continue;
    const plan = planService(svc, ctx);
    problems.push(...plan.problems, ...notifyHealthyWarnings(svc));
    plans.push(plan);
  }
  const orphans = planOrphans(new Set(desired.services.map((s) => s.name)), observed, invUnits);
  const { order, cycle } = orderServices(dependencyGraph(desired, observed, invUnits));
  if (cycle.length > 0) {
    problems.push(
      problem(
        "warning",
        `services depend on each other in a cycle: ${cycle.join(", ")}; starting them by name`,
      ),
    );
  }
  const actions = orderActions(desired, observed, plans, orphans, order);
  const consequences = systemdConsequences(
    actions,
    knownUnits(desired, observed, invUnits),
    observed,
  );
  const inventory: InventoryChange[] = [
    ...plans.flatMap((p) => p.inventory ?? []),
    ...orphans.inventory,
  ];
  return { ...base, actions, consequences, inventory, problems, blocked: false };
}

/**
 * Why systemd needs a daemon-reload although this plan writes nothing, or undefined: an earlier
 * run left its "reload pending" mark (killed, or its reload failed, after writing files), a unit
 * hoist owns or wants reports NeedDaemonReload=yes, or a desired unit's file is on disk but
 * systemd has not loaded it.
 */
function reloadPending(desired: DesiredState, observed: ObservedState): string | undefined {
  if (observed.reloadPending) return "an earlier run wrote unit files and did not reload";
  const ready = readyServices(desired.services);
  const units = [
    ...new Set([
      ...ready.flatMap((s) => s.units.map((u) => u.serviceUnit)),
      ...[...observed.inventory.services.values()].flatMap((s) => s.serviceUnits),
    ]),
  ].sort();
  const stale = units.filter((u) => observed.units.get(u)?.needReload === true);
  if (stale.length > 0) return `systemd has older definitions of ${stale.join(", ")}`;
  const unloaded = ready.flatMap((s) =>
    s.units.filter((u) =>
      observed.files.get(u.path) === u.content &&
      observed.units.get(u.serviceUnit)?.load === "not-found"
    ).map((u) => u.serviceUnit)
  ).sort();
  return unloaded.length > 0 ? `systemd has not loaded ${unloaded.join(", ")}` : undefined;
}

/** Unit files hoist knows: the desired ones, and the inventory's still on disk. */
function knownUnits(
  desired: DesiredState,
  observed: ObservedState,
  invUnits: readonly InventoryUnit[],
): KnownUnit[] {
  const fromDesired = readyServices(desired.services).flatMap((s) =>
    s.units.map((u) => ({
      path: u.path,
      service: s.name,
      serviceUnit: u.serviceUnit,
      content: u.content,
    }))
  );
  const paths = new Set(fromDesired.map((u) => u.path));
  const fromDisk = invUnits.flatMap((u) => {
    const content = observed.files.get(u.path);
    return paths.has(u.path) || content === undefined ? [] : [{ ...u, content }];
  });
  return [...fromDesired, ...fromDisk];
}

/**
 * Every action in execution order: host copies, pre.script, stops (reverse dependency order),
 * removes, copies, writes, one daemon-reload, the services' setup.sh and pre scripts, starts and
 * restarts (dependency order), the services' post scripts, prunes, post.script.
 */
function orderActions(
  desired: DesiredState,
  observed: ObservedState,
  plans: readonly ServicePlan[],
  orphans: OrphanPlan,
  order: readonly string[],
): Action[] {
  const starts = new Map(plans.flatMap((p) => p.start ? [[p.start.service, p.start]] : []));
  const ordered = order.flatMap((n) => starts.get(n) ?? []);
  // Stops in reverse dependency order: a service stops before what it requires.
  const stops: UnitAction[] = [...plans.flatMap((p) => p.stops), ...orphans.stops]
    .sort((a, b) => order.indexOf(b.service) - order.indexOf(a.service));
  const removes = [...plans.flatMap((p) => p.removes), ...orphans.removes];
  const writes = plans.flatMap((p) => p.writes);
  const pending = reloadPending(desired, observed);
  const reload: Action[] = writes.length > 0 || removes.length > 0 || pending !== undefined
    ? [{
      kind: "daemon-reload",
      waitFor: ordered.flatMap((a) => a.units),
      ...(writes.length > 0 || removes.length > 0 || pending === undefined
        ? { code: "units-changed", reason: "unit files changed" }
        : { code: "reload-pending", reason: pending }),
    }]
    : [];
  return [
    ...hostCopies(desired, observed),
    ...scriptActions(desired, "pre"),
    ...stops,
    ...removes,
    ...plans.flatMap((p) => p.copies),
    ...writes,
    ...reload,
    ...serviceScriptActions(desired, observed, "setup", order),
    ...serviceScriptActions(desired, observed, "pre", order),
    ...ordered,
    ...serviceScriptActions(desired, observed, "post", order),
    ...plans.flatMap((p) => p.prunes),
    ...orphans.prunes,
    ...scriptActions(desired, "post"),
  ];
}
