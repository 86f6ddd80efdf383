/**
 * `include:` — other compose files of the service folder merged into the project, as compose
 * does: each file's services, networks, volumes, secrets and configs join the main file's, its
 * relative paths relative to its own folder; a name defined twice, a file outside the folder and
 * a loop are errors with file and line.
 *
 * @module
 */
import { posix } from "node:path";
import { type PathPolicy, rebased } from "./compose_paths.ts";
import { type CEntry, type CNode, composeTree } from "./compose_tree.ts";
import type { FileObject } from "./file_objects.ts";
import type { Lookup } from "./interpolate.ts";
import { describe, field, items, keyPath, text } from "./nodes.ts";
import type { Resource } from "./project_resources.ts";
import { type Diagnostics, fail, unsupported } from "./unit_builder.ts";

type MapNode = CNode & { kind: "map" };

/** One compose file of the project: the main one first, then each included one. */
export interface Part {
  /** Where its problems go: named after its own file. */
  readonly d: Diagnostics;
  readonly root: MapNode;
  /** Its relative paths, from its own folder. */
  readonly paths: PathPolicy;
  /** The file and its text (for line numbers), for an included file; absent for the main one. */
  readonly source?: { readonly file: string; readonly text: string };
}

/** What reading included files needs. */
export interface IncludeInputs {
  readonly lookup: Lookup;
  readonly offline: boolean;
  readonly service?: string;
}

/**
 * The main file and every file it includes (depth first, each file once), or the main file
 * alone after an error. `include:` items are paths or `{path: …}` (a path or a list);
 * `project_directory` and `env_file` are refused.
 *
 * @example
 * ```ts
 * includedParts({ d, root, paths }, { lookup, offline: false }).map((p) => p.d.file);
 * // ["gitops/h/app/compose.yaml", "gitops/h/app/db/compose.yaml"]
 * ```
 */
export function includedParts(main: Part, inputs: IncludeInputs): Part[] {
  const out: Part[] = [main];
  const seen = new Set<string>([main.d.file]);
  const visit = (part: Part, stack: readonly string[]) => {
    const include = field(part.root, "include");
    if (include === undefined) return;
    for (const { rel, line, at } of includePaths(part.d, include)) {
      const read = part.paths.readCompose?.(rel);
      if (read === undefined) {
        fail(
          part.d,
          at,
          line,
          "include: no other compose file can be read here",
          "hoist convert, validate and render read the files of the folder",
        );
        continue;
      }
      if (!read.ok) {
        fail(part.d, at, line, read.message, read.hint);
        continue;
      }
      if (stack.includes(read.file)) {
        const names = [...stack, read.file].map((f) => posix.basename(f));
        fail(part.d, at, line, `include loops: ${names.join(" → ")}`);
        continue;
      }
      if (seen.has(read.file)) continue;
      seen.add(read.file);
      const d: Diagnostics = { ...part.d, file: read.file };
      const tree = composeTree(read.text, {
        file: read.file,
        lookup: inputs.lookup,
        offline: inputs.offline,
        ...(inputs.service ? { service: inputs.service } : {}),
      });
      d.problems.push(...tree.problems);
      if (tree.value === undefined) continue;
      if (tree.value.kind !== "map") {
        fail(
          d,
          "(top level)",
          tree.value.line,
          `a compose file is a map, got ${describe(tree.value)}`,
        );
        continue;
      }
      const next: Part = {
        d,
        root: tree.value,
        paths: rebased(main.paths, read.sub),
        source: { file: read.file, text: read.text },
      };
      out.push(next);
      visit(next, [...stack, read.file]);
    }
  };
  visit(main, [main.d.file]);
  return out;
}

function includePaths(
  d: Diagnostics,
  include: CEntry,
): { rel: string; line: number; at: string }[] {
  if (include.value.kind !== "seq") {
    fail(d, "include", include.line, `expected a list, got ${describe(include.value)}`);
    return [];
  }
  const out: { rel: string; line: number; at: string }[] = [];
  for (const [i, item] of include.value.items.entries()) {
    const at = keyPath("include", i);
    if (item.kind !== "map") {
      const rel = text(item);
      if (rel === undefined) fail(d, at, item.line, `expected a path, got ${describe(item)}`);
      else out.push({ rel, line: item.line, at });
      continue;
    }
    for (const e of item.entries) {
      if (e.key === "project_directory" || e.key === "env_file") {
        unsupported(
          d,
          keyPath(at, e.key),
          e.line,
          "not supported by hoist (paths stay relative to each file)",
        );
      } else if (e.key !== "path") fail(d, keyPath(at, e.key), e.line, "unknown key");
    }
    const path = field(item, "path");
    if (path === undefined) {
      fail(d, at, item.line, "needs path:");
      continue;
    }
    for (const p of items(path.value)) {
      const rel = text(p);
      if (rel === undefined) {
        fail(d, keyPath(at, "path"), p.line, `expected a path, got ${describe(p)}`);
      } else out.push({ rel, line: p.line, at });
    }
  }
  return out;
}

/**
 * Entries of the same kind from every part, each once: a name two files define is an error at
 * the later one (compose refuses such a conflict). `implicit` entries (the `default` network
 * hoist adds) give way to a declared one.
 */
export function mergeByKey<T extends { readonly key: string }>(
  lists: readonly { part: Part; items: readonly T[]; implicit?: (item: T) => boolean }[],
  what: string,
): (T & { readonly part: Part })[] {
  const out = new Map<string, T & { readonly part: Part }>();
  for (const { part, items: list, implicit } of lists) {
    for (const item of list) {
      const before = out.get(item.key);
      const mine = implicit?.(item) ?? false;
      if (before === undefined) {
        out.set(item.key, { ...item, part });
        continue;
      }
      if (mine) continue;
      const theirs = lists.find((l) => l.part === before.part)?.implicit?.(before) ?? false;
      if (theirs) {
        out.set(item.key, { ...item, part });
        continue;
      }
      const line = "line" in item && typeof item.line === "number" ? item.line : 1;
      fail(
        part.d,
        keyPath(what, item.key),
        line,
        `${what}.${item.key} is also defined in ${before.part.d.file}`,
        "Define it in one of the included files only",
      );
    }
  }
  return [...out.values()];
}

/** The network entries of a part, and whether one is the implicit `default`. */
export function networksOf(part: Part, list: readonly Resource[]): {
  part: Part;
  items: readonly Resource[];
  implicit: (r: Resource) => boolean;
} {
  const declared = field(part.root, "networks")?.value;
  return {
    part,
    items: list,
    implicit: (r) => r.key === "default" && (declared === undefined || !field(declared, "default")),
  };
}

/**
 * Declared secrets or configs of a part, keyed; a `file:` keeps the part's paths, since it is
 * relative to the file that declares it whichever service mounts it.
 */
export function objectsOf(
  part: Part,
  declared: ReadonlyMap<string, FileObject>,
): { key: string; object: FileObject; line: number }[] {
  return [...declared].map(([key, object]) => ({
    key,
    object: object.kind === "file" ? { ...object, paths: part.paths } : object,
    line: object.line,
  }));
}
