/**
 * `${SERVICE_DIR}` and `${HOST_DIR}` references in units must stay inside their folders and
 * name files that exist.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import type { ServiceFolder } from "./service_context.ts";
import { escapingReferences, serviceDirReferences } from "./template.ts";
import type { DesiredFile } from "./types.ts";
import type { UnitDraft } from "./unit_draft.ts";

/**
 * An error for each reference of a draft that climbs out with `..`, and for each
 * `${SERVICE_DIR}/path` that is not one of `files` (or a folder of them), at its source line.
 *
 * @example
 * ```ts
 * referenceProblems(folder, drafts, []).map((p) => p.message);
 * // ["${SERVICE_DIR}/Caddyfile is not a file of gitops/a/web/"]
 * ```
 */
export function referenceProblems(
  { dir, name }: ServiceFolder,
  drafts: readonly UnitDraft[],
  files: readonly DesiredFile[],
): Problem[] {
  const known = knownPaths(files);
  return drafts.flatMap((d) => [
    ...escapingReferences(d.text).map((ref) =>
      problem("error", `${ref} leaves the service folder`, {
        file: d.source,
        line: lineContaining(d.sourceText, ref),
        service: name,
        hint: "Reference only files inside the service folder",
      })
    ),
    ...serviceDirReferences(d.text)
      .filter((ref) => !ref.split("/").includes("..") && !known.has(ref))
      .map((ref) =>
        problem("error", `\${SERVICE_DIR}/${ref} is not a file of ${dir}/`, {
          file: d.source,
          line: lineContaining(d.sourceText, `\${SERVICE_DIR}/${ref}`),
          service: name,
          hint: `Add ${dir}/${ref} or fix the path`,
        })
      ),
  ]);
}

/** The paths of `files` and of every folder above them. */
function knownPaths(files: readonly DesiredFile[]): Set<string> {
  const known = new Set(files.map((f) => f.path));
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) known.add(parts.slice(0, i).join("/"));
  }
  return known;
}

/** The 1-based line of the first line of `text` holding `needle`. */
function lineContaining(text: string, needle: string): number | undefined {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  return i < 0 ? undefined : i + 1;
}
