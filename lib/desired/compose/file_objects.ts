/**
 * Top-level `secrets` and `configs` and a service's use of them: `file:` (a file of the service
 * folder), `environment:` (a variable's value) and, for configs, `content:` (inline text), each
 * bind-mounted read-only from hoist's copy of the service folder.
 *
 * @module
 */
import type { CEntry, CNode } from "./compose_tree.ts";
import { ENV_COPY_DIR, type PathPolicy } from "./compose_paths.ts";
import type { Lookup } from "./interpolate.ts";
import { describe, field, keyPath, text } from "./nodes.ts";
import { type KeyHandler, pathOf, type ServiceCtx } from "./service_ctx.ts";
import { type Diagnostics, fail, unsupported, warn } from "./unit_builder.ts";
import { literal } from "./unit_words.ts";

/**
 * A secret or config declared at the top level: a file of the folder (its path as written), or
 * text hoist writes into the service's copy (`secret`: from a variable, so written 0600 and never
 * shown).
 */
export type FileObject =
  | {
    readonly kind: "file";
    readonly file: string;
    readonly line: number;
    /** How `file` resolves, when declared in another file than the service's (`include:`). */
    readonly paths?: PathPolicy;
  }
  | {
    readonly kind: "text";
    readonly text: string;
    readonly secret: boolean;
    readonly line: number;
    /** `secrets.db.environment`. */
    readonly origin: string;
  };

/** A name that can be a file name in the copy. */
const OBJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** What reading `environment:` needs. */
export interface ObjectInputs {
  readonly lookup: Lookup;
  /** `hoist validate`: an unset variable is a warning. */
  readonly offline: boolean;
}

/**
 * The top-level `secrets` / `configs`: each with exactly one of `file:`, `environment:` or
 * (configs) `content:`; `name:` is accepted (podman has no secret store hoist manages, so it
 * names nothing), `external:` and any other key are refused with their line.
 *
 * @example
 * ```ts
 * declaredFiles(d, "secrets", field(root, "secrets")?.value, { lookup, offline: false });
 * // Map { "db" => { kind: "text", text: "s3cret", secret: true, line: 3, origin: "secrets.db.environment" } }
 * ```
 */
export function declaredFiles(
  d: Diagnostics,
  kind: "secrets" | "configs",
  node: CNode | undefined,
  inputs: ObjectInputs,
): Map<string, FileObject> {
  const out = new Map<string, FileObject>();
  for (const e of node?.kind === "map" ? node.entries : []) {
    const path = keyPath(kind, e.key);
    if (e.value.kind !== "map") {
      fail(
        d,
        path,
        e.line,
        `expected a map with file:, environment: or content:, got ${describe(e.value)}`,
      );
      continue;
    }
    const sources = e.value.entries.filter((x) =>
      x.key === "file" || x.key === "environment" || (x.key === "content" && kind === "configs")
    );
    for (const x of e.value.entries) {
      if (x.key === "external") {
        unsupported(
          d,
          keyPath(path, x.key),
          x.line,
          `external ${kind} are not supported (hoist manages no podman secret store)`,
        );
      } else if (x.key !== "name" && !sources.includes(x)) {
        unsupported(d, keyPath(path, x.key), x.line);
      }
    }
    if (sources.length !== 1) {
      if (!e.value.entries.some((x) => x.key === "external")) {
        fail(
          d,
          path,
          e.line,
          sources.length === 0
            ? `needs file:, environment:${kind === "configs" ? " or content:" : ""}`
            : `has ${sources.map((x) => `${x.key}:`).join(" and ")}; give one`,
        );
      }
      continue;
    }
    const [src] = sources;
    if (src === undefined) continue;
    const object = declared(d, path, e.key, src, inputs);
    if (object) out.set(e.key, object);
  }
  return out;
}

function declared(
  d: Diagnostics,
  path: string,
  name: string,
  src: CEntry,
  inputs: ObjectInputs,
): FileObject | undefined {
  const at = keyPath(path, src.key);
  const t = text(src.value);
  if (t === undefined) {
    fail(d, at, src.line, `expected a string, got ${describe(src.value)}`);
    return undefined;
  }
  if (src.key === "file") return { kind: "file", file: t, line: src.line };
  if (!OBJECT_NAME.test(name)) {
    fail(
      d,
      path,
      src.line,
      `${JSON.stringify(name)} cannot name a file`,
      "Use letters, digits, '_', '.' and '-' for a secret or config written from text",
    );
    return undefined;
  }
  if (src.key === "content") {
    return { kind: "text", text: t, secret: false, line: src.line, origin: at };
  }
  const value = inputs.lookup(t);
  if (value === undefined) {
    const message = `variable ${t} is not set`;
    const hint =
      `Set ${t} in the project's .env, in [secrets] env_files, or in hoist's environment`;
    if (inputs.offline) warn(d, at, src.line, message, hint);
    else fail(d, at, src.line, message, hint);
  }
  return { kind: "text", text: value ?? "", secret: true, line: src.line, origin: at };
}

/**
 * A service's `secrets` / `configs` → a read-only bind of each declared object's file, at
 * `/run/secrets/<name>` (or `target`) for secrets and `/<name>` (or `target`) for configs. Text
 * objects are written to `.hoist-env/<kind>/<name>` in the service's copy. `uid`, `gid` and
 * `mode` are refused with their line: a bind mount keeps the owner and mode of hoist's copy
 * (0600 for a variable's value, readable by the container's root; 0644 otherwise).
 */
export function fileObjects(
  kind: "secrets" | "configs",
  declared: ReadonlyMap<string, FileObject>,
): KeyHandler {
  return (e: CEntry, c: ServiceCtx) => {
    const path = pathOf(c, e);
    if (e.value.kind !== "seq") {
      fail(c.d, path, e.value.line, `expected a list, got ${describe(e.value)}`);
      return;
    }
    for (const [i, item] of e.value.items.entries()) {
      const at = keyPath(path, i);
      const name = item.kind === "map" ? text(field(item, "source")?.value ?? item) : text(item);
      if (name === undefined) {
        fail(c.d, at, item.line, `expected a name or {source, target}, got ${describe(item)}`);
        continue;
      }
      for (const x of item.kind === "map" ? item.entries : []) {
        if (x.key === "uid" || x.key === "gid" || x.key === "mode") {
          unsupported(
            c.d,
            keyPath(at, x.key),
            x.line,
            `quadlet bind-mounts ${kind} from hoist's copy and cannot set their ${x.key}`,
          );
        } else if (x.key !== "source" && x.key !== "target") {
          fail(c.d, keyPath(at, x.key), x.line, "unknown key");
        }
      }
      const obj = declared.get(name);
      if (obj === undefined) {
        fail(
          c.d,
          at,
          item.line,
          `${kind.slice(0, -1)} ${JSON.stringify(name)} is not declared`,
          `Add it under the top-level ${kind}: with file:, environment:${
            kind === "configs" ? " or content:" : ""
          }`,
        );
        continue;
      }
      const target = item.kind === "map" ? text(field(item, "target")?.value ?? item) : undefined;
      const base = kind === "secrets" ? "/run/secrets/" : "/";
      const dest = target === undefined
        ? `${base}${name}`
        : target.startsWith("/")
        ? target
        : `${base}${target}`;
      const from = mountSource(c, kind, name, obj, at, item.line);
      if (from !== undefined) {
        c.unit.add("Container", "Volume", `${from}:${literal(dest)}:ro`, item.line, at);
      }
    }
  };
}

/** Where the object's file is, as unit text; a text object's file is added to `c.objects`. */
function mountSource(
  c: ServiceCtx,
  kind: "secrets" | "configs",
  name: string,
  obj: FileObject,
  at: string,
  line: number,
): string | undefined {
  if (obj.kind === "file") {
    const r = (obj.paths ?? c.paths).resolve(obj.file, "file", true);
    if (r.ok) return r.value;
    if (!r.skip) fail(c.d, at, line, r.message, r.hint);
    return undefined;
  }
  const path = `${ENV_COPY_DIR}/${kind}/${name}`;
  if (!c.paths.copy) {
    warn(
      c.d,
      at,
      line,
      `${obj.origin}: hoist writes this ${
        kind.slice(0, -1)
      } into its copy of the service folder; the unit mounts that copy`,
    );
  }
  if (!c.objects.some((o) => o.path === path)) {
    c.objects.push({ path, text: obj.text, secret: obj.secret, origin: obj.origin });
  }
  return `\${SERVICE_DIR}/${literal(path)}`;
}
