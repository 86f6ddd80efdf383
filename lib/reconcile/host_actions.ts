/**
 * The host folders' part of a plan: their copies (for scripts and `${HOST_DIR}`) and config.yml's
 * pre/post scripts. Pure.
 *
 * @module
 */
import type { DesiredState } from "../desired/types.ts";
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
