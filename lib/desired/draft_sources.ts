/**
 * {@link DRAFT_SOURCES}: every kind of unit input a service folder can hold, in one table.
 *
 * @module
 */
import { composeSource } from "./compose_source.ts";
import { manifestSource } from "./manifest_source.ts";
import { rawQuadletSource } from "./raw_quadlet_source.ts";
import type { DraftSource } from "./unit_draft.ts";

/**
 * The kinds of unit input a service folder can hold, each reading some of its top-level files.
 * A new input format is one new file and one more entry; the first entry that matches a file
 * reads it.
 *
 * @example
 * ```ts
 * DRAFT_SOURCES.map((s) => s.kind); // ["manifest.yml (and manifest.sops.yml)", "raw quadlet files (…)", "compose files (…)"]
 * ```
 */
export const DRAFT_SOURCES: readonly DraftSource[] = [
  manifestSource,
  rawQuadletSource,
  composeSource,
];

/** The source that reads the service folder's file `rel` (relative to it), if any does. */
export function draftSourceOf(rel: string): DraftSource | undefined {
  if (rel.includes("/")) return undefined;
  return DRAFT_SOURCES.find((s) => s.matches(rel));
}

/** True when `rel` is unit input, which is read into units rather than copied. */
export function isDraftFile(rel: string): boolean {
  return draftSourceOf(rel) !== undefined;
}
