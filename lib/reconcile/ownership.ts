/**
 * What a service may not take over: files in quadlet_dir hoist did not write, and unit names
 * systemd already loads from a file hoist did not write. Pure.
 *
 * @module
 */
import type { ReadyService } from "../desired/types.ts";
import { type Problem, problem } from "../errors.ts";
import type { ObservedState } from "../types/observed.ts";

/** Errors for every unit of `svc` that would replace something hoist does not own; [] when none. */
export function ownershipProblems(svc: ReadyService, observed: ObservedState): Problem[] {
  const inv = observed.inventory;
  const foreign = svc.units.filter((u) => {
    const content = observed.files.get(u.path);
    return content !== undefined && !inv.units.has(u.path) &&
      !content.includes(`Label=gitops-service=${svc.name}\n`);
  });
  if (foreign.length > 0) {
    return foreign.map((u) =>
      problem("error", `refusing to overwrite a file hoist did not create`, {
        file: u.path,
        service: svc.name,
        hint: `Move the existing file out of the quadlet folder, or rename the service`,
      })
    );
  }
  // A generated unit name that systemd already knows from a file hoist did not write (an
  // admin's quadlet with the same name, or ServiceName=sshd) must not be taken over.
  const ownUnits = new Set([...inv.units.values()].map((u) => u.serviceUnit));
  return svc.units.flatMap((u) => {
    const state = observed.units.get(u.serviceUnit);
    const source = state?.source ?? "";
    const taken = !ownUnits.has(u.serviceUnit) && state?.load === "loaded" && source !== "" &&
      !source.endsWith(`/${u.path}`);
    return taken
      ? [problem(
        "error",
        `${u.serviceUnit} already exists on this host (from ${source}), and hoist does not own it`,
        {
          file: u.source,
          service: svc.name,
          hint:
            "Rename the unit file (or its ServiceName=) so it does not replace a unit hoist did not create",
        },
      )]
      : [];
  });
}
