/**
 * The {@link DraftSource} for `manifest.yml`, to which `manifest.sops.yml` adds secret values.
 *
 * @module
 */
import { problem } from "../errors.ts";
import { manifestDraft } from "./manifest_draft.ts";
import { MANIFEST } from "./parse_manifest.ts";
import type { Read } from "./read.ts";
import { readText } from "./repo_files.ts";
import { SOPS_MANIFEST } from "./secrets.ts";
import type { ServiceFolder } from "./service_context.ts";
import type { DraftSource, UnitDraft } from "./unit_draft.ts";

/**
 * `manifest.yml` → one unit named after the service (`gitops-web.container`).
 * `manifest.sops.yml` is merged into manifest.yml's unit; alone, it is an error, since it may
 * only hold secret environment values.
 *
 * @example
 * ```ts
 * manifestSource.matches("manifest.sops.yml"); // true
 * const { value: drafts, problems } = manifestSource.read(folder, "manifest.yml");
 * ```
 */
export const manifestSource: DraftSource = {
  kind: `${MANIFEST} (and ${SOPS_MANIFEST})`,
  matches: (fileName) => fileName === MANIFEST || fileName === SOPS_MANIFEST,
  read: readManifest,
};

function readManifest(folder: ServiceFolder, fileName: string): Read<UnitDraft[]> {
  const { tree, dir, name } = folder;
  const has = (f: string) => tree.entries.has(`${dir}/${f}`);
  // read with manifest.yml's unit
  if (fileName === SOPS_MANIFEST && has(MANIFEST)) return { value: [], problems: [] };
  const file = `${dir}/${fileName}`;
  const read = readText(tree, file, dir, name);
  if (!read.ok) return { value: [], problems: [read.problem] };
  const sopsFile = has(SOPS_MANIFEST) ? `${dir}/${SOPS_MANIFEST}` : undefined;
  // An empty manifest.yml gets this message too, as it always has (file: the sops file, or none);
  // "a manifest must be a map of quadlet sections, got nothing" would say better what is wrong
  if (fileName === SOPS_MANIFEST || read.text === "") {
    return {
      value: [],
      problems: [problem("error", `${MANIFEST} is missing next to ${SOPS_MANIFEST}`, {
        file: sopsFile,
        service: name,
        hint:
          `Put the unit in ${MANIFEST}; ${SOPS_MANIFEST} only adds secret Container.Environment values`,
      })],
    };
  }
  const draft = manifestDraft(read.text, file, sopsFile, folder);
  return { value: draft.value ? [draft.value] : [], problems: draft.problems };
}
