/**
 * The part of the snapshot that lives with other accounts (services with `user =`): each
 * account's quadlet files, containers and unit states, read from its own folder, podman storage
 * and user manager. Nothing is looked up or spawned when no service names an account.
 *
 * @module
 */
import type { AccountTarget } from "../adapters/user_manager.ts";
import { type DesiredState, readyServices } from "../desired/types.ts";
import type {
  ExistingObject,
  InventoryService,
  InventoryUnit,
  ObjectKey,
  ObservedAccount,
  ObservedContainer,
  UnitState,
} from "../types/observed.ts";
import { observeUnits } from "./unit_states.ts";

/** How observe reaches other accounts. */
export interface AccountAccess {
  /** The accounts named, undefined for a missing one (`/etc/passwd`, the linger folder). */
  lookup(names: readonly string[]): Promise<Map<string, ObservedAccount | undefined>>;
  /** The adapters acting for an account that exists. */
  target(account: ObservedAccount): Pick<AccountTarget, "systemctl" | "podman" | "files" | "run">;
}

/** Which quadlet paths and systemd units belong to which account. */
export interface AccountScope {
  /** Quadlet path (relative to the account's folder) → account. */
  readonly paths: ReadonlyMap<string, string>;
  /** Generated unit → account. */
  readonly units: ReadonlyMap<string, string>;
  /** Every account named, sorted. */
  readonly names: readonly string[];
  /** Desired content by path, for the accounts' units: a run that writes one lists its objects. */
  readonly wanted: ReadonlyMap<string, string>;
}

/** The accounts of the desired services and of the inventory's, by path and unit. Pure. */
export function accountScope(
  desired: DesiredState,
  inventory: {
    services: ReadonlyMap<string, InventoryService>;
    units: ReadonlyMap<string, InventoryUnit>;
  },
): AccountScope {
  const paths = new Map<string, string>();
  const units = new Map<string, string>();
  const wanted = new Map<string, string>();
  for (const s of inventory.services.values()) {
    if (s.user !== undefined) { for (const u of s.serviceUnits) units.set(u, s.user); }
  }
  for (const u of inventory.units.values()) {
    const user = u.user ?? inventory.services.get(u.service)?.user;
    if (user === undefined) continue;
    paths.set(u.path, user);
    units.set(u.serviceUnit, user);
  }
  for (const s of readyServices(desired.services)) {
    if (s.user === undefined) continue;
    for (const u of s.units) {
      paths.set(u.path, s.user.name);
      units.set(u.serviceUnit, s.user.name);
      wanted.set(u.path, u.content);
    }
  }
  const names = [...new Set([...paths.values(), ...units.values()])].sort();
  return { paths, units, names, wanted };
}

/** What the accounts hold. */
export interface AccountsObserved {
  readonly accounts: ReadonlyMap<string, ObservedAccount | undefined>;
  readonly files: ReadonlyMap<string, string>;
  readonly containers: readonly ObservedContainer[];
  readonly units: ReadonlyMap<string, UnitState>;
  /** Each account's podman objects, listed only when a unit of it is written (see `objects`). */
  readonly objects: ReadonlyMap<string, ReadonlyMap<ObjectKey, ExistingObject>>;
}

/**
 * Reads every account of `scope` that exists and lingers, all at once: its files at the scope's
 * paths, its labelled containers and the states of its units (`owned`: units hoist owns, as for
 * the system's).
 */
export async function observeAccounts(
  access: AccountAccess | undefined,
  scope: AccountScope,
  owned: ReadonlySet<string>,
): Promise<AccountsObserved> {
  if (access === undefined || scope.names.length === 0) {
    return {
      accounts: new Map(),
      files: new Map(),
      containers: [],
      units: new Map(),
      objects: new Map(),
    };
  }
  const accounts = await access.lookup(scope.names);
  const files = new Map<string, string>();
  const containers: ObservedContainer[] = [];
  const units = new Map<string, UnitState>();
  const objects = new Map<string, ReadonlyMap<ObjectKey, ExistingObject>>();
  await Promise.all([...accounts.values()].map(async (account) => {
    if (account === undefined || !account.lingers) return; // refused by reconcile, with the fix
    const target = access.target(account);
    const mine = <K>(m: ReadonlyMap<K, string>) =>
      [...m].filter(([, u]) => u === account.name).map(([k]) => k);
    const paths = mine(scope.paths).sort();
    const [listed, states, texts] = await Promise.all([
      target.podman.listContainers(),
      observeUnits(target.systemctl, mine(scope.units).sort(), owned),
      Promise.all(paths.map((p) => target.files.read(p))),
    ]);
    containers.push(...listed);
    for (const [k, v] of states) units.set(k, v);
    paths.forEach((p, i) => {
      const text = texts[i];
      if (text !== undefined) files.set(p, text);
    });
    // as for hoist's own: only a run that writes a unit of the account lists its objects
    if (paths.some((p, i) => scope.wanted.has(p) && scope.wanted.get(p) !== texts[i])) {
      objects.set(account.name, await target.podman.listObjects());
    }
  }));
  containers.sort((a, b) =>
    a.service < b.service ? -1 : a.service > b.service ? 1 : a.id < b.id ? -1 : 1
  );
  return { accounts, files, containers, units, objects };
}
