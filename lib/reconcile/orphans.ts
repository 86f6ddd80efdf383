/**
 * Services hoist owns that the repository no longer lists: stop, remove their files, prune their
 * copies, forget them. Only what the inventory names is ever touched. Pure.
 *
 * @module
 */
import type { InventoryUnit, ObservedState } from "../types/observed.ts";
import { isUp } from "./service_state.ts";
import type { InventoryChange, PruneAction, RemoveAction, UnitAction } from "./types.ts";

/** The actions for every owned service not in `desiredNames`, by phase. */
export interface OrphanPlan {
  readonly stops: readonly UnitAction[];
  readonly removes: readonly RemoveAction[];
  readonly prunes: readonly PruneAction[];
  readonly inventory: readonly InventoryChange[];
}

/**
 * Plans the removal of every service the inventory lists and the desired state does not, and of
 * state folders of services neither lists.
 */
export function planOrphans(
  desiredNames: ReadonlySet<string>,
  observed: ObservedState,
  invUnits: readonly InventoryUnit[],
): OrphanPlan {
  const inv = observed.inventory;
  const stops: UnitAction[] = [];
  const removes: RemoveAction[] = [];
  const prunes: PruneAction[] = [];
  const inventory: InventoryChange[] = [];
  const owners = [...new Set([...inv.services.keys(), ...invUnits.map((u) => u.service)])].sort();
  const why = { code: "service-removed", reason: "removed from config.yml" } as const;
  for (const name of owners.filter((n) => !desiredNames.has(n))) {
    const files = invUnits.filter((x) => x.service === name);
    const serviceUnits = inv.services.get(name)?.serviceUnits ?? files.map((f) => f.serviceUnit);
    const units = serviceUnits.filter((u) => isUp(observed, u));
    if (units.length > 0) stops.push({ kind: "stop", service: name, units, ...why });
    for (const u of files) {
      removes.push({
        kind: "remove",
        service: name,
        unit: u.path,
        previous: observed.files.get(u.path) ?? null,
        ...why,
      });
    }
    // its copies, then the service's folder they leave empty (state_dir/services/NAME)
    const copies = inv.copies.get(name) ?? [];
    const folder = copies[0]?.slice(0, copies[0].lastIndexOf("/"));
    const dirs = folder === undefined ? [] : [...copies, folder];
    if (dirs.length > 0) prunes.push({ kind: "prune", service: name, dirs, ...why });
    inventory.push({ service: name, record: null });
  }
  for (const dir of observed.strayServiceFolders ?? []) {
    const name = dir.slice(dir.lastIndexOf("/") + 1);
    if (desiredNames.has(name) || owners.includes(name)) continue;
    prunes.push({
      kind: "prune",
      service: name,
      dirs: [dir],
      code: "service-removed",
      reason: "state folder of a service hoist no longer runs",
    });
  }
  return { stops, removes, prunes, inventory };
}
