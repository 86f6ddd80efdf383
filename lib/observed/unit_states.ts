/**
 * Unit states for observe at PID 1's lowest cost: one `systemctl list-units` for every unit, and
 * `systemctl show` only for the units whose answer needs more than list-units gives.
 *
 * @module
 */
import type { ListingSystemctl } from "../adapters/systemctl.ts";
import type { UnitState } from "../types/observed.ts";

/**
 * The units of `wanted` that need `systemctl show` after `list-units` answered `listed`:
 *
 * - not listed: systemd does not hold it in memory (never loaded, or stopped and collected), so
 *   only `show`, which loads it, says whether a file defines it (`loaded`) or not (`not-found`);
 * - loaded but not among the units hoist's inventory lists (`owned`): the takeover check needs
 *   the file it comes from (SourcePath/FragmentPath);
 * - failed: why (Result, e.g. `start-limit-hit` for a crash loop) is shown and decided on.
 *
 * A healthy no-op (every unit hoist's and running) needs none, so observe stays one systemctl
 * process. NeedDaemonReload comes with `show` only: hoist's own interrupted writes are found by
 * the reload-pending mark, which does not depend on it.
 *
 * @example
 * ```ts
 * unitsToShow(new Map([["a.service", { load: "loaded", active: "active", sub: "running" }]]),
 *   ["a.service", "b.service"], new Set(["a.service"])); // ["b.service"]
 * ```
 */
export function unitsToShow(
  listed: ReadonlyMap<string, UnitState>,
  wanted: readonly string[],
  owned: ReadonlySet<string>,
): string[] {
  return wanted.filter((u) => {
    const s = listed.get(u);
    return s === undefined || (s.load === "loaded" && !owned.has(u)) || s.active === "failed";
  });
}

/**
 * States of `units` ({@link unitsToShow}): list-units' answer, with `show`'s (source path, Result,
 * NeedDaemonReload, ActiveEnterTimestamp) for the units that need it. Every unit asked for is in
 * the map, `not-found` when systemd knows no file for it.
 */
export async function observeUnits(
  systemctl: Pick<ListingSystemctl, "list" | "show">,
  units: readonly string[],
  owned: ReadonlySet<string>,
): Promise<Map<string, UnitState>> {
  if (units.length === 0) return new Map();
  const listed = await systemctl.list(units);
  const more = unitsToShow(listed, units, owned);
  const shown = more.length === 0 ? new Map<string, UnitState>() : await systemctl.show(more);
  const out = new Map<string, UnitState>();
  for (const u of units) {
    out.set(
      u,
      shown.get(u) ?? listed.get(u) ?? { load: "not-found", active: "inactive", sub: "dead" },
    );
  }
  return out;
}
