/**
 * A service folder's unit inputs → {@link UnitDraft}s, through the table of draft sources.
 *
 * @module
 */
import type { Problem } from "../errors.ts";
import { draftSourceOf } from "./draft_sources.ts";
import type { Read } from "./read.ts";
import { pathsUnder } from "./repo_files.ts";
import type { ServiceFolder } from "./service_context.ts";
import type { UnitDraft } from "./unit_draft.ts";

/**
 * The units of every top-level file of the folder that one of `DRAFT_SOURCES` reads, in
 * file name order, with every problem found (a file that fails gives no units, others still do).
 *
 * @example
 * ```ts
 * const { value: drafts, problems } = readDrafts({ tree, dir: "gitops/a/web", name: "web", ctx });
 * ```
 */
export function readDrafts(folder: ServiceFolder): Read<UnitDraft[]> {
  const { tree, dir } = folder;
  const drafts: UnitDraft[] = [];
  const problems: Problem[] = [];
  for (const path of pathsUnder(tree, dir)) {
    const rel = path.slice(dir.length + 1);
    const source = draftSourceOf(rel);
    if (!source || tree.entries.get(path)?.kind === "dir") continue;
    const read = source.read(folder, rel);
    drafts.push(...read.value);
    problems.push(...read.problems);
  }
  return { value: drafts, problems };
}
