/**
 * Within one service, no two units may share a file name, a generated systemd service or a
 * podman object name.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { generatedServiceName, lookupLast, podmanObjects, TYPE_SECTION } from "./quadlet_names.ts";
import type { UnitDraft } from "./unit_draft.ts";
import { unitEntries } from "./unit_text.ts";

/**
 * An error for each draft whose file name, generated service or podman object (container, pod,
 * network or volume name) an earlier draft from another file already has (`web.container` and a
 * manifest with `ServiceName=web`; two files with the same `ContainerName=`, where quadlet's
 * `--replace` would remove the other's container).
 *
 * @example
 * ```ts
 * draftNameClashes(drafts, "web").map((p) => p.message); // ["web.service is also produced by …"]
 * ```
 */
export function draftNameClashes(drafts: readonly UnitDraft[], service: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const d of drafts) {
    const entries = unitEntries(d.text);
    const serviceUnit = generatedServiceName(
      d.fileName,
      d.type,
      lookupLast(entries, TYPE_SECTION[d.type], "ServiceName"),
    );
    const objects = podmanObjects({ path: d.fileName, type: d.type, serviceUnit }, entries);
    for (const key of [d.fileName, serviceUnit, ...objects]) {
      const other = seen.get(key);
      if (other !== undefined && other !== d.source) {
        problems.push(problem("error", `${key} is also produced by ${other}`, {
          file: d.source,
          service,
          hint: "Each unit file, generated service and podman object needs its own name; " +
            "rename one of them",
        }));
      }
      seen.set(key, d.source);
    }
  }
  return problems;
}
