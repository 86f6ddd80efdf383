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
import {
  accountRefusals,
  reloadActions,
  withOrphanUsers,
  withServiceUser,
} from "./service_users.ts";
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
    invUnitsOf: Map.groupBy(invUnits, (u) => u.service),
    desiredPaths: new Set(
      desired.services.flatMap((s) => s.status === "ready" ? s.units.map((u) => u.path) : []),
    ),
    keepCopies: options.keepCopies,
  };
  const plans: ServicePlan[] = [];
  for (const svc of desired.services) {
    problems.push(...svc.problems);
    if (svc.status === "blocked") continue;
    const refused = [...ownershipProblems(svc, observed), ...accountRefusals(svc, observed)];
    problems.push(...refused);
    if (refused.some((p) => p.level === "error")) continue;
    const plan = withServiceUser(planService(svc, ctx), svc.user?.name);
    problems.push(...plan.problems, ...notifyHealthyWarnings(svc));
    plans.push(plan);
  }
  const orphans = withOrphanUsers(
    planOrphans(new Set(desired.services.map((s) => s.name)), observed, invUnits),
    observed,
  );
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
 * Why each manager (hoist's own: undefined; an account's for services with `user =`) needs a
 * daemon-reload although this plan writes nothing there: an earlier run left its "reload pending"
 * mark (killed, or its reload failed, after writing files: every manager), a unit hoist owns or
 * wants reports NeedDaemonReload=yes, or a desired unit's file is on disk but systemd has not
 * loaded it.
 */
function reloadPending(
  desired: DesiredState,
  observed: ObservedState,
): Map<string | undefined, string> {
  const ready = readyServices(desired.services);
  const owner = new Map<string, string | undefined>();
  for (const s of observed.inventory.services.values()) {
    for (const u of s.serviceUnits) owner.set(u, s.user);
  }
  for (const s of ready) for (const u of s.units) owner.set(u.serviceUnit, s.user?.name);
  const out = new Map<string | undefined, string>();
  if (observed.reloadPending) {
    for (const m of new Set([undefined, ...owner.values()])) {
      out.set(m, "an earlier run wrote unit files and did not reload");
    }
    return out;
  }
  const byManager = (units: readonly string[]) => {
    const groups = new Map<string | undefined, string[]>();
    for (const u of units) groups.set(owner.get(u), [...groups.get(owner.get(u)) ?? [], u]);
    return groups;
  };
  const units = [...owner.keys()].sort();
  const stale = units.filter((u) => observed.units.get(u)?.needReload === true);
  for (const [m, list] of byManager(stale)) {
    out.set(m, `systemd has older definitions of ${list.join(", ")}`);
  }
  const unloaded = ready.flatMap((s) =>
    s.units.filter((u) =>
      observed.files.get(u.path) === u.content &&
      observed.units.get(u.serviceUnit)?.load === "not-found"
    ).map((u) => u.serviceUnit)
  ).sort();
  for (const [m, list] of byManager(unloaded)) {
    if (!out.has(m)) out.set(m, `systemd has not loaded ${list.join(", ")}`);
  }
  return out;
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
 * Every action in execution order: host copies, pre.script, pulls (each service's first action, so
 * a failed pull skips the rest of its service), stops (reverse dependency order),
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
  const pulls = new Map(plans.flatMap((p) => p.pull ? [[p.pull.service, p.pull]] : []));
  // Stops in reverse dependency order: a service stops before what it requires.
  const place = new Map(order.map((n, i) => [n, i]));
  const rank = (name: string) => place.get(name) ?? -1;
  const stops: UnitAction[] = [...plans.flatMap((p) => p.stops), ...orphans.stops]
    .sort((a, b) => rank(b.service) - rank(a.service));
  const removes = [...plans.flatMap((p) => p.removes), ...orphans.removes];
  const writes = plans.flatMap((p) => p.writes);
  const pending = reloadPending(desired, observed);
  // one per manager whose files change (each account's own, for services with user =)
  const reload: Action[] = reloadActions([...writes, ...removes], ordered, pending);
  return [
    ...hostCopies(desired, observed),
    ...scriptActions(desired, "pre"),
    ...order.flatMap((n) => pulls.get(n) ?? []),
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
