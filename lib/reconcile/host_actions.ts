/**
 * The scripts of a plan and the host folders' copies they run in: config.yml's pre/post scripts
 * in the host copy (and the copy for `${HOST_DIR}`), and each service's own scripts in its copy.
 * Pure.
 *
 * @module
 */
import { type DesiredState, readyServices } from "../desired/types.ts";
import type { ObservedState } from "../types/observed.ts";
import type { HostCopyAction, ScriptAction } from "./types.ts";

/** A copy of each host folder that scripts or `${HOST_DIR}` need and that does not exist yet. */
export function hostCopies(desired: DesiredState, observed: ObservedState): HostCopyAction[] {
  const hostUsed = desired.services.some((s) =>
    s.status === "ready" && s.inputs["${HOST_DIR}"] !== undefined
  );
  return desired.hosts.flatMap((h): HostCopyAction[] => {
    const scripted = h.scripts.pre !== undefined || h.scripts.post !== undefined;
    return (scripted || hostUsed) && h.files.length > 0 && !observed.copies.has(h.dir)
      ? [{
        kind: "copy",
        scope: "host",
        source: h.source,
        dir: h.dir,
        files: h.files,
        code: "host-files",
        reason: scripted ? "host folder for scripts" : "host folder for ${HOST_DIR}",
      }]
      : [];
  });
}

/** config.yml's `phase` script of each host folder, run in its copy. */
export function scriptActions(desired: DesiredState, phase: "pre" | "post"): ScriptAction[] {
  return desired.hosts.flatMap((h): ScriptAction[] => {
    const text = h.scripts[phase];
    const where = desired.hosts.length > 1 ? ` (source ${h.source})` : "";
    return text === undefined ? [] : [{
      kind: "run-script",
      phase,
      script: text,
      cwd: h.dir,
      code: "script",
      reason: `${phase}.script in config.yml${where}`,
    }];
  });
}

/**
 * Each service's own `phase` scripts, run in its copy: `setup` (its `setup.sh`) only for a hash
 * the inventory does not record yet (a failed run records none, so it runs again), `pre` and
 * `post` (`[services.<name>]` in the agent config) on every apply. Services in `order`.
 */
export function serviceScriptActions(
  desired: DesiredState,
  observed: ObservedState,
  phase: "setup" | "pre" | "post",
  order: readonly string[],
): ScriptAction[] {
  // only services with such a script are sorted (most have none), each by its place in `order`
  const place = new Map(order.map((n, i) => [n, i]));
  const rank = (name: string) => place.get(name) ?? order.length;
  return readyServices(desired.services)
    .filter((s) => s.scripts?.[phase] !== undefined)
    .sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : 1))
    .flatMap((s): ScriptAction[] => {
      const text = s.scripts?.[phase];
      if (text === undefined) return [];
      const recorded = observed.inventory.services.get(s.name)?.hash;
      if (phase === "setup" && recorded === s.hash) return [];
      return [{
        kind: "run-script",
        phase,
        script: text,
        cwd: s.dir,
        service: s.name,
        code: "script",
        reason: phase === "setup"
          ? `setup.sh of ${s.name}, new hash ${s.hash}`
          : `${phase} of [services.${s.name}] in the agent config`,
      }];
    });
}
