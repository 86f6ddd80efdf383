/**
 * {@link convertService}: one compose service → its `.container` unit (and `.build`), every key
 * mapped through `SERVICE_KEYS` or refused.
 *
 * @module
 */
import type { CEntry } from "./compose_tree.ts";
import { describe, keyPath, text } from "./nodes.ts";
import { SERVICE_KEYS } from "./service_keys.ts";
import { build } from "./service_build.ts";
import { scalarText, type ServiceCtx } from "./service_ctx.ts";
import { defaultNetwork } from "./service_links.ts";
import { type FileObject, fileObjects } from "./file_objects.ts";
import { fail, unsupported } from "./unit_builder.ts";
import { literal } from "./unit_words.ts";

/** The top-level file-based secrets and configs, by name. */
export interface Declared {
  readonly secrets: ReadonlyMap<string, FileObject>;
  readonly configs: ReadonlyMap<string, FileObject>;
}

const PULL: Record<string, string | undefined> = {
  always: "always",
  never: "never",
  missing: "missing",
  if_not_present: "missing",
  build: undefined,
};

/**
 * Writes the service's keys into `c.unit`: `Image=` (or the `.build` it comes from) and
 * `ContainerName=` first, then each key in the order written; the default network when the
 * service names none. Problems go to `c.d`.
 */
export function convertService(
  node: { entries: readonly CEntry[]; line: number },
  c: ServiceCtx,
  declared: Declared,
): void {
  const get = (k: string) => node.entries.find((e) => e.key === k);
  const image = get("image");
  const built = get("build");
  if (built) build(built, image, c);
  else if (image) {
    const t = scalarText(c, image.value, keyPath(c.path, "image"));
    if (t !== undefined && t !== "") {
      c.unit.add("Container", "Image", literal(t), image.line, keyPath(c.path, "image"));
    }
  } else fail(c.d, c.path, node.line, "a service needs image: or build:");
  const names = c.names.services.get(c.name);
  if (names) {
    c.unit.add(
      "Container",
      "ContainerName",
      literal(names.container),
      get("container_name")?.line ?? node.line,
      keyPath(c.path, "container_name"),
    );
  }
  for (const e of node.entries) {
    // a key extended from another compose file: its problems name that file
    const k = e.file === undefined || e.file === c.d.file
      ? c
      : { ...c, d: { ...c.d, file: e.file } };
    const path = keyPath(k.path, e.key);
    if (e.key.startsWith("x-")) continue;
    const rule = SERVICE_KEYS[e.key];
    if (rule === undefined) unsupported(k.d, path, e.line, "not a compose service key");
    else if (rule === "unsupported") unsupported(k.d, path, e.line);
    else if (rule !== "project") rule(e, k);
    else if (e.key === "secrets" || e.key === "configs") fileObjects(e.key, declared[e.key])(e, k);
    else if (e.key === "pull_policy") pullPolicy(e, k);
  }
  if (!get("network_mode") && !get("networks")) defaultNetwork(c, node.line);
}

function pullPolicy(e: CEntry, c: ServiceCtx): void {
  const path = keyPath(c.path, e.key);
  const t = text(e.value);
  if (t === undefined) {
    fail(c.d, path, e.line, `expected a string, got ${describe(e.value)}`);
    return;
  }
  if (!(t in PULL)) {
    unsupported(c.d, path, e.line, `pull_policy ${JSON.stringify(t)} is not supported by quadlets`);
    return;
  }
  const value = PULL[t];
  if (value !== undefined) c.unit.add("Container", "Pull", value, e.line, path);
}
