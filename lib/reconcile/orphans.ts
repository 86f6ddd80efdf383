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

/** Plans the removal of every service the inventory lists and the desired state does not. */
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
    const dirs = inv.copies.get(name) ?? [];
    if (dirs.length > 0) prunes.push({ kind: "prune", service: name, dirs, ...why });
    inventory.push({ service: name, record: null });
  }
  return { stops, removes, prunes, inventory };
}
