/**
 * One hash per compose service: what its `.container` (and `.build`) say, key by key, and the
 * files they reference, so that editing one compose service restarts only its container.
 *
 * @module
 */
import { hashParts } from "./digest.ts";
import type { ServiceFolder } from "./service_context.ts";
import { usesHostDir } from "./template.ts";
import type { DesiredFile, UnitGroup } from "./types.ts";
import type { UnitDraft } from "./unit_draft.ts";

/**
 * The input name of one compose key of a unit: `compose.yaml services.web.image`; the plan names
 * it when that key changed.
 */
export function keyInputName(rel: string, key: string): string {
  return `${rel} ${key}`;
}

/**
 * The {@link UnitGroup} of every compose service of `drafts`, by compose service name: a hash over
 * the lines each of its units got from each compose key (so neither comments, nor the order of
 * keys, nor an `x-` extension count), the files those units reference through
 * `${SERVICE_DIR}/…` (secrets by keyed digest), the folder's `setup.sh`, and the host folder when a
 * unit uses `${HOST_DIR}`; and the names of those inputs in the service's `inputs`. Drafts that
 * are not a compose service's (networks, volumes, manifests, raw files) have none.
 *
 * @example
 * ```ts
 * unitGroups(folder, drafts, files).get("web");
 * // { service: "web", hash: "3f2a…", inputs: ["compose.yaml services.web.image", "app.env"] }
 * ```
 */
export function unitGroups(
  folder: ServiceFolder,
  drafts: readonly UnitDraft[],
  files: readonly DesiredFile[],
): Map<string, UnitGroup> {
  const byService = new Map<string, UnitDraft[]>();
  for (const d of drafts) {
    if (d.composeService === undefined || d.byKey === undefined) continue;
    byService.set(d.composeService, [...(byService.get(d.composeService) ?? []), d]);
  }
  const out = new Map<string, UnitGroup>();
  for (const [service, own] of [...byService].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.set(service, group(folder, service, own, files));
  }
  return out;
}

/** read_service.ts's `SETUP_SCRIPT` (imported from there, it would make an import cycle). */
const SETUP_SCRIPT_NAME = "setup.sh";

function group(
  { dir, ctx }: ServiceFolder,
  service: string,
  drafts: readonly UnitDraft[],
  files: readonly DesiredFile[],
): UnitGroup {
  const parts: [string, Uint8Array | string][] = [];
  const inputs: string[] = [];
  for (const d of drafts) {
    const rel = d.source.slice(dir.length + 1);
    for (const [key, lines] of Object.entries(d.byKey ?? {})) {
      parts.push([`unit:${d.path}:${key}`, lines]);
      inputs.push(keyInputName(rel, key));
    }
  }
  const used = new Set(drafts.flatMap((d) => referencedFiles(d.text, files)));
  const setup = files.find((f) => f.path === SETUP_SCRIPT_NAME);
  if (setup) used.add(setup);
  for (const f of [...used].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    parts.push([`file:${f.path}`, f.secret ? f.digest : f.data]);
    inputs.push(f.origin ?? f.path);
  }
  if (drafts.some((d) => usesHostDir(d.text))) {
    parts.push(["host", ctx.hostHash]);
    inputs.push("${HOST_DIR}");
  }
  return { service, hash: hashParts(parts).slice(0, 16), inputs: [...new Set(inputs)].sort() };
}

/**
 * The files a unit reaches through `${SERVICE_DIR}` (`${SERVICE_DIR}/conf` covers `conf` and
 * everything under it; `${SERVICE_DIR}` alone, or a path hoist cannot read back exactly, covers
 * every file).
 */
function referencedFiles(text: string, files: readonly DesiredFile[]): DesiredFile[] {
  const out = new Set<DesiredFile>();
  for (const m of text.matchAll(/\$\{SERVICE_DIR\}(\/[^\s:,"'=]*)?/g)) {
    const written = (m[1] ?? "").slice(1).replace(/\/+$/, "");
    const rel = written.replaceAll("%%", "%").replaceAll("$$", "$");
    const all = rel === "" || /[\\%$]/.test(rel);
    for (const f of files) {
      if (all || f.path === rel || f.path.startsWith(`${rel}/`)) out.add(f);
    }
  }
  return [...out];
}
