/**
 * Cross-service checks once every service is read: unit name clashes, then dependencies.
 *
 * @module
 */
import { baseName } from "./base_name.ts";
import { blockService } from "./block_service.ts";
import { problem } from "../errors.ts";
import { podmanObjects } from "./quadlet_names.ts";
import { type DesiredService, type DesiredUnit, desiredUnits } from "./types.ts";
import { serviceDependencies, unitOwners } from "./unit_references.ts";
import { unitEntries } from "./unit_text.ts";

/**
 * Cross-service checks once every service is read: clashes of unit names and podman object names
 * (`ContainerName=`, `PodName=`, `NetworkName=`, `VolumeName=` and quadlet's `systemd-…`
 * defaults) block both sides, then dependencies are linked. Run again after merging several
 * sources.
 *
 * @example
 * ```ts
 * const services = finishServices(config.services.map((s) => readService(tree, s.name, s.line, ctx)));
 * ```
 */
export function finishServices(services: readonly DesiredService[]): DesiredService[] {
  return linkServices(blockClashes(services));
}

/**
 * The names a unit takes on the host: its file name, its generated service and the podman
 * objects it creates (`container:systemd-web`), which quadlet's `--replace` would take from
 * another service.
 */
function unitNames(u: DesiredUnit): string[] {
  return [baseName(u.path), u.serviceUnit, ...podmanObjects(u, unitEntries(u.content))];
}

/** Blocks every service that ships a unit file name, generated service or podman object name another one ships too. */
function blockClashes(services: readonly DesiredService[]): DesiredService[] {
  const owners = new Map<string, Set<string>>();
  for (const s of services) {
    for (const u of desiredUnits(s)) {
      for (const key of unitNames(u)) owners.set(key, (owners.get(key) ?? new Set()).add(s.name));
    }
  }
  return services.map((s) => {
    const clashes = desiredUnits(s).flatMap((u) =>
      unitNames(u).map((key) => ({ unit: u, key, owners: owners.get(key) ?? new Set<string>() }))
        .filter((c) => c.owners.size > 1)
    );
    const first = clashes[0];
    if (!first) return s;
    const others = [...first.owners].filter((n) => n !== s.name).sort();
    return blockService(
      s,
      problem("error", `${first.key} is also defined by service ${others.join(", ")}`, {
        file: first.unit.source,
        service: s.name,
        hint: "Unit names share one namespace on the host; rename one of them",
      }),
    );
  });
}

/** Fills `dependsOn` from Requires/Wants/After/BindsTo and Network=/Volume=/Pod= references. */
function linkServices(services: readonly DesiredService[]): DesiredService[] {
  const owner = unitOwners(services.map((s) => [s.name, desiredUnits(s)]));
  const deps = serviceDependencies(
    new Map(services.map((s) => [s.name, desiredUnits(s).map((u) => u.content)])),
    owner,
  );
  return services.map((s) => {
    const d = deps.get(s.name) ?? [];
    return d.length === 0 ? s : { ...s, dependsOn: d };
  });
}
