/**
 * Podman objects a written unit would take from someone else. Quadlet runs containers and pods
 * with `--replace`, removing whatever has the name: a unit naming a container or pod that exists
 * and that the service's own deployed units do not name is an error, which blocks the service.
 * Networks and volumes it creates with `--ignore`, joining whatever has the name, and podman keeps
 * them after their unit is gone (a service removed and added again finds its own volume, which
 * nothing marks as hoist's): a warning, naming the object, so the data reuse is never silent.
 * Pure.
 *
 * @module
 */
import { podmanObjects, unitTypeOf } from "../desired/quadlet_names.ts";
import type { ReadyService } from "../desired/types.ts";
import { unitEntries } from "../desired/unit_text.ts";
import { type Problem, problem } from "../errors.ts";
import type { ExistingObject, ObjectKey, ObservedState } from "../types/observed.ts";

/** What quadlet would do to an existing object of each kind, for the message. */
const EFFECT: Readonly<Record<ExistingObject["kind"], string>> = {
  container: "quadlet would remove it (--replace)",
  pod: "quadlet would remove it (--replace)",
  network: "the service joins it (quadlet creates networks with --ignore)",
  volume: "the service uses its data (quadlet creates volumes with --ignore)",
};

/** Replacing destroys: an error. Joining shares: a warning. */
const LEVEL: Readonly<Record<ExistingObject["kind"], "error" | "warning">> = {
  container: "error",
  pod: "error",
  network: "warning",
  volume: "warning",
};

/** The hint's key to rename, per kind. */
const NAME_KEY: Readonly<Record<ExistingObject["kind"], string>> = {
  container: "ContainerName=",
  pod: "PodName=",
  network: "NetworkName=",
  volume: "VolumeName=",
};

/**
 * The podman objects `svc`'s deployed units name: the inventory's units of `svc`, read from
 * their files on disk (`observed.files`).
 */
function deployedObjects(svc: ReadyService, observed: ObservedState): Set<ObjectKey> {
  const out = new Set<ObjectKey>();
  for (const u of observed.inventory.units.values()) {
    const content = observed.files.get(u.path);
    const type = unitTypeOf(u.path);
    if (u.service !== svc.name || content === undefined || type === undefined) continue;
    const unit = { path: u.path, type, serviceUnit: u.serviceUnit };
    for (const key of podmanObjects(unit, unitEntries(content))) out.add(key);
  }
  return out;
}

/**
 * A problem for each podman object a unit of `svc` that this run writes (new, or content other
 * than on disk) would create although it exists and is not `svc`'s: not named by `svc`'s
 * deployed units, nor a container labelled with `svc` and run by one of its units (one a killed
 * run started). Errors for containers and pods, warnings for networks and volumes (see the
 * module). [] when podman's objects were not listed (a run that writes nothing).
 *
 * @example
 * ```ts
 * objectClashProblems(svc, observed); // [error "container web exists and hoist did not create it…"]
 * ```
 */
export function objectClashProblems(svc: ReadyService, observed: ObservedState): Problem[] {
  const existing = observed.objects;
  if (existing === undefined) return [];
  const written = svc.units.filter((u) => observed.files.get(u.path) !== u.content);
  if (written.length === 0) return [];
  const own = deployedObjects(svc, observed);
  const units = new Set([
    ...svc.units.map((u) => u.serviceUnit),
    ...(observed.inventory.services.get(svc.name)?.serviceUnits ?? []),
  ]);
  return written.flatMap((u) =>
    podmanObjects(u, unitEntries(u.content)).flatMap((key) => {
      const o = existing.get(key);
      if (o === undefined || own.has(key)) return [];
      // joined, never removed: the migration path (see the module's note)
      if (o.kind === "network" || o.kind === "volume") return [];
      if (o.kind === "container" && o.service === svc.name && units.has(o.unit)) return [];
      return [problem(
        LEVEL[o.kind],
        `${o.kind} ${o.name} already exists and hoist did not create it for ${svc.name}: ${
          EFFECT[o.kind]
        }`,
        {
          file: u.source,
          service: svc.name,
          hint:
            `Give the unit another ${NAME_KEY[o.kind]} (quadlet's default is systemd-<name>), ` +
            `or remove the existing ${o.kind} if it is not needed (podman ${o.kind} rm ${o.name})`,
        },
      )];
    })
  );
}
