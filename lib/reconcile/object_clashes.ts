/**
 * Podman objects a written unit would take from someone else. Quadlet runs containers and pods
 * with `--replace`, removing whatever has the name: a unit naming a container or pod that exists
 * and that the service's own deployed units do not name is an error, which blocks the service.
 * Networks and volumes it creates with `--ignore`, joining whatever has the name: those are
 * joined, not refused, which is how a podman-compose project migrates in place (its volume keeps
 * its data, issue 11); refusing them would protect nothing, as any container may name any
 * existing network or volume anyway. Pure.
 *
 * @module
 */
import { podmanObjects, unitTypeOf } from "../desired/quadlet_names.ts";
import type { ReadyService } from "../desired/types.ts";
import { unitEntries } from "../desired/unit_text.ts";
import { type Problem, problem } from "../errors.ts";
import type { ObjectKey, ObservedState } from "../types/observed.ts";

/** What quadlet would do to an existing object it replaces, for the message. */
const EFFECT = "quadlet would remove it (--replace)";

/** The hint's key to rename, per kind. */
const NAME_KEY: Readonly<Record<"container" | "pod", string>> = {
  container: "ContainerName=",
  pod: "PodName=",
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
 * An error for each podman object a unit of `svc` that this run writes (new, or content other
 * than on disk) would create although it exists and is not `svc`'s: not named by `svc`'s
 * deployed units, nor a container labelled with `svc` and run by one of its units (one a killed
 * run started). Only containers and pods: networks and volumes are joined (see the
 * module). [] when podman's objects were not listed (a run that writes nothing).
 *
 * @example
 * ```ts
 * objectClashProblems(svc, observed); // [error "container web exists and hoist did not create it…"]
 * ```
 */
export function objectClashProblems(svc: ReadyService, observed: ObservedState): Problem[] {
  // a service of another account (user =) is judged against that account's podman storage
  const existing = svc.user === undefined
    ? observed.objects
    : observed.accountObjects?.get(svc.user.name);
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
      const kind = o.kind;
      if (o.kind === "container" && o.service === svc.name && units.has(o.unit)) return [];
      return [problem(
        "error",
        `${kind} ${o.name} already exists and hoist did not create it for ${svc.name}: ${EFFECT}`,
        {
          file: u.source,
          service: svc.name,
          hint: `Give the unit another ${NAME_KEY[kind]} (quadlet's default is systemd-<name>), ` +
            `or remove the existing ${kind} if it is not needed (podman ${kind} rm ${o.name})`,
        },
      )];
    })
  );
}
