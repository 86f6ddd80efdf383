/**
 * What a service may not take over: files in quadlet_dir hoist did not write, and unit names
 * systemd already loads from a file hoist did not write. Pure.
 *
 * @module
 */
import { blockService } from "../desired/block_service.ts";
import type { DesiredService, DesiredState, ReadyService } from "../desired/types.ts";
import { type Problem, problem } from "../errors.ts";
import type { ObservedState } from "../types/observed.ts";
import { objectClashProblems } from "./object_clashes.ts";

/**
 * The folders quadlet reads units from (docs/quadlet_parsing.md §6): a unit loaded from one of
 * them that is not hoist's own file is never hoist's, whatever its name.
 */
const OTHER_QUADLET_DIRS: readonly RegExp[] = [
  /^\/run\/containers\/systemd\//,
  /^\/etc\/containers\/systemd\//,
  /^\/usr\/share\/containers\/systemd\//,
  /^\/run\/user\/\d+\/containers\/systemd\//,
];

/**
 * Errors for every unit of `svc` that would replace something hoist does not own; [] when none.
 *
 * With `quadletDir`, a unit name systemd loads counts as hoist's only when it comes from the very
 * file hoist writes (`<quadletDir>/<path>`) or one its inventory lists there: the full path, not
 * its ending, so an admin's `/usr/share/containers/systemd/gitops-web.container`, or one in
 * `/run/containers/systemd/` that shadows hoist's file, is not taken for hoist's. (A path with
 * the same ending outside every quadlet folder is taken for quadlet_dir reached through a
 * symlink, such as Fedora CoreOS's `/home` → `/var/home`.) Without it
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
  return svc.units.flatMap((u) => {
    const state = observed.units.get(u.serviceUnit);
    const source = state?.source ?? "";
    if (state?.load !== "loaded" || source === "") return [];
    const ours = dir === undefined
      ? ownedOf(inv.units).units.has(u.serviceUnit) || source.endsWith(`/${u.path}`)
      : source === `${dir}/${u.path}` ||
        // a file of hoist's inventory there (`${dir}/${path}` for one of its paths)
        (source.startsWith(`${dir}/`) &&
          ownedOf(inv.units).paths.has(source.slice(dir.length + 1))) ||
        // quadlet_dir reached through a symlink: systemd shows the resolved path
        (source.endsWith(`/${u.path}`) && !OTHER_QUADLET_DIRS.some((d) => d.test(source)));
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

/**
 * The service units and paths of an inventory's unit files, computed once per inventory (every
 * service of a run asks; per service that was quadratic in the number of services).
 */
function ownedOf(units: ObservedState["inventory"]["units"]): {
  readonly units: ReadonlySet<string>;
  readonly paths: ReadonlySet<string>;
} {
  let own = owned.get(units);
  if (own === undefined) {
    own = {
      units: new Set([...units.values()].map((u) => u.serviceUnit)),
      paths: new Set(units.keys()),
    };
    owned.set(units, own);
  }
  return own;
}

const owned = new WeakMap<
  ObservedState["inventory"]["units"],
  { readonly units: ReadonlySet<string>; readonly paths: ReadonlySet<string> }
>();

/**
 * `desired` with every service blocked that would take over something hoist does not own: a file
 * or unit name, judged on full paths under `quadletDir` ({@link ownershipProblems}), or a podman
 * object a unit it writes would replace or join ({@link objectClashProblems}); `desired` itself
 * when none would.
 *
 * @example
 * ```ts
 * const checked = blockTakeovers(desired, observed, config.quadletDir);
 * ```
 */
export function blockTakeovers(
  desired: DesiredState,
  observed: ObservedState,
  quadletDir: string,
): DesiredState {
  let changed = false;
  const services = desired.services.map((s): DesiredService => {
    if (s.status === "blocked") return s;
    const problems = [
      ...ownershipProblems(s, observed, quadletDir),
      ...objectClashProblems(s, observed),
    ];
    if (problems.length === 0) return s;
    changed = true;
    return blockService(s, ...problems);
  });
  return changed ? { ...desired, services } : desired;
}
