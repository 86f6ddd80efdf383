/**
 * What a service may not take over: files in quadlet_dir hoist did not write, and unit names
 * systemd already loads from a file hoist did not write. Pure.
 *
 * @module
 */
import type { ReadyService } from "../desired/types.ts";
import { type Problem, problem } from "../errors.ts";
import type { ObservedState } from "../types/observed.ts";

/**
 * Errors for every unit of `svc` that would replace something hoist does not own; [] when none.
 *
 * With `quadletDir`, a unit name systemd loads counts as hoist's only when it comes from the very
 * file hoist writes (`<quadletDir>/<path>`) or one its inventory lists there: the full path, not
 * its ending, so an admin's `/usr/share/containers/systemd/gitops-web.container`, or one in
 * `/run/containers/systemd/` that shadows hoist's file, is not taken for hoist's. Without it
 * (callers that do not pass it yet) only the ending is compared, and only for names hoist's
 * inventory does not list.
 *
 * @example
 * ```ts
 * ownershipProblems(svc, observed, "/etc/containers/systemd"); // [] or errors naming the file
 * ```
 */
export function ownershipProblems(
  svc: ReadyService,
  observed: ObservedState,
  quadletDir?: string,
): Problem[] {
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
  // admin's quadlet with the same name in any quadlet folder, or ServiceName=sshd) must not be
  // taken over.
  const dir = quadletDir?.replace(/\/+$/, "");
  const ownUnits = new Set([...inv.units.values()].map((u) => u.serviceUnit));
  const ownFiles = new Set([...inv.units.keys()].map((p) => `${dir}/${p}`));
  return svc.units.flatMap((u) => {
    const state = observed.units.get(u.serviceUnit);
    const source = state?.source ?? "";
    if (state?.load !== "loaded" || source === "") return [];
    const ours = dir === undefined
      ? ownUnits.has(u.serviceUnit) || source.endsWith(`/${u.path}`)
      : source === `${dir}/${u.path}` || ownFiles.has(source);
    return ours ? [] : [problem(
      "error",
      `${u.serviceUnit} already exists on this host (from ${source}), and hoist does not own it`,
      {
        file: u.source,
        service: svc.name,
        hint:
          "Rename the unit file (or its ServiceName=) so it does not replace a unit hoist did not create",
      },
    )];
  });
}
