/**
 * Within one service, no two units may share a file name or a generated systemd service.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { generatedServiceName, TYPE_SECTION } from "./quadlet_names.ts";
import type { UnitDraft } from "./unit_draft.ts";
import { unitEntries } from "./unit_text.ts";

/**
 * An error for each draft whose file name or generated service an earlier draft from another
 * file already has (`web.container` and a manifest with `ServiceName=web`).
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
    const own = unitEntries(d.text).filter((e) => e.section === TYPE_SECTION[d.type]);
    const generated = generatedServiceName(
      d.fileName,
      d.type,
      own.findLast((e) => e.key === "ServiceName")?.value,
    );
    for (const key of [d.fileName, generated]) {
      const other = seen.get(key);
      if (other !== undefined && other !== d.source) {
        problems.push(problem("error", `${key} is also produced by ${other}`, {
          file: d.source,
          service,
          hint: "Each unit file and generated service needs its own name; rename one of them",
        }));
      }
      seen.set(key, d.source);
    }
  }
  return problems;
}
