/**
 * The state store's inventory of what hoist owns (tables services, inventory_units).
 *
 * @module
 */
import type { InventoryService, InventoryUnit } from "../types/observed.ts";
import { stringList, stringRecord } from "./json_columns.ts";
import { corruptRow } from "./state_error.ts";
import type { StoreContext } from "./store_context.ts";

/** The store's `loadInventory` and `recordUnits`. */
export function storeInventory({ db, path, guard, tx }: StoreContext) {
  return {
    loadInventory(): {
      services: Map<string, InventoryService>;
      units: Map<string, InventoryUnit>;
    } {
      const [serviceRows, unitRows] = guard("read the inventory", () => [
        db.prepare("SELECT * FROM services ORDER BY name").all(),
        db.prepare("SELECT * FROM inventory_units ORDER BY path").all(),
      ]);
      const services = new Map<string, InventoryService>();
      for (const r of serviceRows) {
        const name = String(r.name);
        const inputs = stringRecord(r.inputs);
        if (inputs === undefined) throw corruptRow(path, "services", name, "inputs");
        const serviceUnits = stringList(r.service_units);
        if (serviceUnits === undefined) throw corruptRow(path, "services", name, "service_units");
        services.set(name, {
          name,
          hash: String(r.hash),
          inputs,
          serviceUnits,
          revision: String(r.revision),
          changedAt: String(r.changed_at),
          ...(typeof r.user === "string" ? { user: r.user } : {}),
        });
      }
      const units = new Map<string, InventoryUnit>();
      for (const r of unitRows) {
        units.set(String(r.path), {
          path: String(r.path),
          service: String(r.service),
          serviceUnit: String(r.service_unit),
          ...(typeof r.user === "string" ? { user: r.user } : {}),
        });
      }
      return { services, units };
    },
    recordUnits(units: readonly InventoryUnit[]): void {
      if (units.length === 0) return;
      tx("record the unit files about to be written", () => {
        const put = db.prepare(
          "INSERT OR REPLACE INTO inventory_units (path, service, service_unit, user) VALUES (?, ?, ?, ?)",
        );
        for (const u of units) put.run(u.path, u.service, u.serviceUnit, u.user ?? null);
      });
    },
  };
}
