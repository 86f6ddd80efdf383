/**
 * What reconcile() derives from the desired state and the snapshot besides actions: the service
 * dependency graph (including services about to be removed) and warnings about changes podman
 * will not apply by itself. Pure.
 *
 * @module
 */
import { baseName } from "../desired/base_name.ts";
import { serviceDependencies, unitOwners } from "../desired/unit_references.ts";
import { type DesiredState, type DesiredUnit, desiredUnits } from "../desired/types.ts";
import { unitEntries } from "../desired/unit_text.ts";
import { type Problem, problem } from "../errors.ts";
import type { InventoryUnit, ObservedState } from "../types/observed.ts";

/**
 * quadlet creates networks and volumes with `--ignore`: restarting the unit of a changed one leaves
 * the existing network or volume as it was. Say so, and how to apply the change.
 */
export function recreateWarning(u: DesiredUnit, service: string): Problem {
  const section = u.type === "network" ? "Network" : "Volume";
  const key = u.type === "network" ? "NetworkName" : "VolumeName";
  const base = baseName(u.path).replace(/\.(network|volume)$/, "");
  const own = unitEntries(u.content).filter((e) => e.section === section);
  const name = own.findLast((e) => e.key === key)?.value ?? `systemd-${base}`;
  return problem(
    "warning",
    `${u.path} changed, but podman keeps the existing ${u.type} ${name} as it is: recreate it to apply the change`,
    {
      file: u.source,
      service,
      hint: u.type === "network"
        ? `Stop the containers using it, run \`podman network rm ${name}\`, then hoist apply (which creates it anew)`
        : `Recreating a volume deletes its data: back it up, stop its containers, \`podman volume rm ${name}\`, then hoist apply`,
    },
  );
}

/**
 * Dependencies between all services in play: desired ones from their rendered units, removed ones
 * from the unit files hoist wrote for them (still on disk until this plan removes them).
 */
export function dependencyGraph(
  desired: DesiredState,
  observed: ObservedState,
  invUnits: readonly InventoryUnit[],
): Map<string, readonly string[]> {
  const owner = unitOwners(invUnits.map((u) => [u.service, [u]]));
  // a desired service's dependencies are its rendered units' (set below): only the files of
  // services about to be removed are read (a no-op reads none)
  const desiredNames = new Set(desired.services.map((s) => s.name));
  const removed = invUnits.flatMap((u) => {
    const text = observed.files.get(u.path);
    return text === undefined || desiredNames.has(u.service) ? [] : [{ service: u.service, text }];
  });
  const contents = new Map(
    [...Map.groupBy(removed, (u) => u.service)].map(([s, us]) => [s, us.map((u) => u.text)]),
  );
  for (const name of observed.inventory.services.keys()) {
    if (!contents.has(name) && !desiredNames.has(name)) contents.set(name, []);
  }
  unitOwners(desired.services.map((s) => [s.name, desiredUnits(s)]), owner);
  const graph: Map<string, readonly string[]> = serviceDependencies(contents, owner);
  for (const s of desired.services) graph.set(s.name, s.dependsOn);
  return graph;
}
