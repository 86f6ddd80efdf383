/**
 * Services deployed for another account (`user =`, system mode): every action of such a service
 * names the account whose quadlet folder, user manager and podman storage it concerns, and each
 * manager whose files change gets its own daemon-reload. Pure.
 *
 * @module
 */
import { accountProblem } from "../desired/service_user.ts";
import type { ReadyService } from "../desired/types.ts";
import { type Problem, problem } from "../errors.ts";
import type { Inventory, ObservedState } from "../types/observed.ts";
import type { OrphanPlan } from "./orphans.ts";
import type { ServicePlan } from "./service_plan.ts";
import type { Action, ReasonCode, ReloadAction, UnitAction } from "./types.ts";

/**
 * Why `svc` cannot be deployed for its account: the account is missing or does not linger, or
 * the service runs for another manager than the inventory says (hoist does not move a running
 * service between managers); a warning (it still deploys) when the account has no subordinate
 * ids. [] when it can (or names no account).
 */
export function accountRefusals(svc: ReadyService, observed: ObservedState): Problem[] {
  const ran = deployedManager(observed.inventory, svc.name);
  const wanted = svc.user?.name;
  const where = { file: svc.user?.file, line: svc.user?.line, service: svc.name };
  if (ran.deployed && ran.user !== wanted) {
    return [problem(
      "error",
      `services.${svc.name} runs for ${managerName(ran.user)}; the repository now wants ${
        managerName(wanted)
      }: hoist does not move a running service between managers`,
      {
        ...where,
        hint:
          `Remove ${svc.name} from config.yml and apply (it is stopped and removed), then add it back with the new user`,
      },
    )];
  }
  if (svc.user === undefined) return [];
  const found = accountProblem(svc.name, svc.user.name, observed.accounts?.get(svc.user.name));
  return found === undefined ? [] : [{ ...found, ...placed(svc) }];
}

/**
 * Whether the inventory records service `name`, and for which manager (`user`: that account's;
 * undefined: hoist's own): its service record's account, else that of its first unit naming one.
 */
export function deployedManager(
  inventory: Pick<Inventory, "services" | "units">,
  name: string,
): { deployed: false } | { deployed: true; user: string | undefined } {
  const prev = inventory.services.get(name);
  const user = prev?.user ?? unitUsers(inventory.units).get(name);
  return prev === undefined && user === undefined ? { deployed: false } : { deployed: true, user };
}

/** "hoist's own manager" or "account NAME", for messages. */
export function managerName(user: string | undefined): string {
  return user === undefined ? "hoist's own manager" : `account ${user}`;
}

/**
 * Per service, the account of its first inventory unit that names one, computed once per
 * inventory (every service of a run asks; a search of all units per service was quadratic).
 */
function unitUsers(units: Inventory["units"]): ReadonlyMap<string, string> {
  let users = usersOf.get(units);
  if (users === undefined) {
    users = new Map();
    for (const u of units.values()) {
      if (u.user !== undefined && !users.has(u.service)) users.set(u.service, u.user);
    }
    usersOf.set(units, users);
  }
  return users;
}

const usersOf = new WeakMap<ObservedState["inventory"]["units"], Map<string, string>>();

function placed(svc: ReadyService): { file?: string; line?: number } {
  if (svc.user === undefined) return {};
  return { file: svc.user.file, ...(svc.user.line === undefined ? {} : { line: svc.user.line }) };
}

/** `plan` with every action and the inventory record naming `user` (unchanged when undefined). */
export function withServiceUser(plan: ServicePlan, user: string | undefined): ServicePlan {
  if (user === undefined) return plan;
  const tag = <T extends object>(a: T): T & { user: string } => ({ ...a, user });
  return {
    ...plan,
    pull: plan.pull === undefined ? undefined : tag(plan.pull),
    stops: plan.stops.map(tag),
    removes: plan.removes.map(tag),
    copies: plan.copies.map(tag),
    writes: plan.writes.map(tag),
    start: plan.start === undefined ? undefined : tag(plan.start),
    inventory: plan.inventory?.record
      ? { ...plan.inventory, record: { ...plan.inventory.record, user } }
      : plan.inventory,
  };
}

/** The orphans' stops and removes naming the account the inventory records for them. */
export function withOrphanUsers(orphans: OrphanPlan, observed: ObservedState): OrphanPlan {
  const inv = observed.inventory;
  const userOf = (service: string, path?: string) =>
    (path === undefined ? undefined : inv.units.get(path)?.user) ?? inv.services.get(service)?.user;
  return {
    ...orphans,
    stops: orphans.stops.map((a) => {
      const user = userOf(a.service);
      return user === undefined ? a : { ...a, user };
    }),
    removes: orphans.removes.map((a) => {
      const user = userOf(a.service, a.unit);
      return user === undefined ? a : { ...a, user };
    }),
  };
}

/**
 * One daemon-reload per manager: hoist's own and each account's, when its files changed or a
 * reload is `pending` for it (by manager: undefined is hoist's own); each waits for the units it
 * starts.
 */
export function reloadActions(
  changed: readonly Pick<Action & { kind: "write" | "remove" }, "user">[],
  starts: readonly UnitAction[],
  pending: ReadonlyMap<string | undefined, string>,
): ReloadAction[] {
  const changedUsers = new Set(changed.map((a) => a.user));
  const all = new Set([...changedUsers, ...pending.keys()]);
  // hoist's own manager first, then the accounts by name (sort() never compares undefined)
  const managers = [
    ...(all.has(undefined) ? [undefined] : []),
    ...[...all].filter((u): u is string => u !== undefined).sort(),
  ];
  return managers.map((user) => {
    const why: { code: ReasonCode; reason: string } = changedUsers.has(user)
      ? {
        code: "units-changed",
        reason: user === undefined ? "unit files changed" : `unit files of ${user} changed`,
      }
      : { code: "reload-pending", reason: pending.get(user) ?? "" };
    return {
      kind: "daemon-reload",
      waitFor: starts.filter((a) => a.user === user).flatMap((a) => a.units),
      ...(user === undefined ? {} : { user }),
      ...why,
    };
  });
}
