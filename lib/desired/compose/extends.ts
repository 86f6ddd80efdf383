/**
 * {@link resolveExtends}: `extends: {service: base}` within one compose file, or
 * `extends: {file: base.yaml, service: base}` from another compose file next to it, merged as the
 * compose specification says (13-merge.md, 05-services.md "extends").
 *
 * @module
 */
import { posix } from "node:path";
import type { PathPolicy } from "./compose_paths.ts";
import { type CEntry, type CNode, composeTree } from "./compose_tree.ts";
import type { Lookup } from "./interpolate.ts";
import { describe, field, keyPath, text } from "./nodes.ts";
import { type Diagnostics, fail } from "./unit_builder.ts";

/** What `extends: {file:}` needs: the folder's compose files and the project's variables. */
export interface ExtendsInputs {
  readonly paths: PathPolicy;
  readonly lookup: Lookup;
  readonly offline?: boolean;
  /** `file#service` of the services being extended across files, to refuse loops. */
  readonly chain?: readonly string[];
}

/** Keys whose lists are really mappings (`NAME=value` items), merged by name. */
const MAPPING_KEYS = new Set([
  "annotations",
  "environment",
  "extra_hosts",
  "labels",
  "storage_opt",
  "sysctls",
  "ulimits",
]);
/** Keys the main service replaces outright (shell commands). */
const OVERRIDE_KEYS = new Set(["command", "entrypoint"]);

type MapNode = CNode & { kind: "map" };

/**
 * The services with every `extends` of the same file applied: the base's keys first, the main
 * service's mappings overriding by key, sequences appended (ports, volumes, secrets and configs
 * replaced where they share a target), `command`, `entrypoint` and `healthcheck.test` replaced,
 * scalars replaced. A base from another file (`file:`, next to this one: a file in a subfolder
 * would resolve its relative paths from elsewhere) keeps that file's name on its keys, so their
 * problems name it. A file outside the folder, unknown bases and loops are errors.
 *
 * @example
 * ```ts
 * resolveExtends(d, services.entries); // each entry with its base merged in, `extends` removed
 * ```
 */
export function resolveExtends(
  d: Diagnostics,
  services: readonly CEntry[],
  inputs?: ExtendsInputs,
): CEntry[] {
  const byName = new Map(services.map((s) => [s.key, s]));
  const done = new Map<string, CEntry>();
  const resolve = (s: CEntry, stack: readonly string[]): CEntry => {
    const known = done.get(s.key);
    if (known) return known;
    const result = extended(s, stack);
    done.set(s.key, result);
    return result;
  };
  const extended = (s: CEntry, stack: readonly string[]): CEntry => {
    const ext = s.value.kind === "map" ? field(s.value, "extends") : undefined;
    if (ext === undefined || s.value.kind !== "map") return s;
    const path = keyPath(keyPath("services", s.key), "extends");
    const own: MapNode = { ...s.value, entries: s.value.entries.filter((e) => e !== ext) };
    const baseName = text(ext.value) ?? text(field(ext.value, "service")?.value ?? ext.value);
    const file = field(ext.value, "file");
    if (file) {
      const base = baseName === undefined ? undefined : fromFile(d, file, baseName, s, inputs);
      return { ...s, value: base === undefined ? own : mergeService(base, own) };
    }
    const base = baseName === undefined ? undefined : byName.get(baseName);
    if (baseName === undefined || base === undefined || base.value.kind !== "map") {
      fail(
        d,
        path,
        ext.line,
        baseName === undefined
          ? `expected a service name or {service: name}, got ${describe(ext.value)}`
          : `${JSON.stringify(baseName)} is not a service of this file`,
      );
      return { ...s, value: own };
    }
    if (stack.includes(baseName) || baseName === s.key) {
      fail(d, path, ext.line, `extends loops: ${[...stack, s.key, baseName].join(" → ")}`);
      return { ...s, value: own };
    }
    const resolvedBase = resolve(base, [...stack, s.key]).value;
    if (resolvedBase.kind !== "map") return { ...s, value: own };
    const disable = (n: MapNode) => {
      const h = field(n, "healthcheck")?.value;
      const v = h ? field(h, "disable")?.value : undefined;
      return v !== undefined && (v.kind === "scalar" && (v.value === true || v.value === "true"));
    };
    if (disable(own) && !disable(resolvedBase)) {
      fail(
        d,
        keyPath(keyPath("services", s.key), "healthcheck"),
        s.line,
        "disable: true cannot override the healthcheck of the service it extends",
      );
    }
    return { ...s, value: mergeService(resolvedBase, own) };
  };
  return services.map((s) => resolve(s, []));
}

/**
 * The service `name` of the compose file `file:` names, its own `extends` resolved, each key
 * marked with that file; undefined after an error.
 */
function fromFile(
  d: Diagnostics,
  file: CEntry,
  name: string,
  s: CEntry,
  inputs: ExtendsInputs | undefined,
): MapNode | undefined {
  const at = keyPath(keyPath(keyPath("services", s.key), "extends"), "file");
  const rel = text(file.value);
  if (rel === undefined) {
    fail(d, at, file.line, `expected a path, got ${describe(file.value)}`);
    return undefined;
  }
  const read = inputs?.paths.readCompose?.(rel);
  if (read === undefined) {
    fail(
      d,
      at,
      file.line,
      "extends: {file:}: no other compose file can be read here",
      "hoist convert, validate and render read the files of the folder",
    );
    return undefined;
  }
  if (!read.ok) {
    fail(d, at, file.line, read.message, read.hint);
    return undefined;
  }
  if (read.sub !== "") {
    fail(
      d,
      at,
      file.line,
      `${rel} is in a subfolder; hoist extends from files next to ${posix.basename(d.file)} only`,
      "Move the base file next to the compose file (or use include:, whose paths stay relative to each file)",
    );
    return undefined;
  }
  const link = `${read.file}#${name}`;
  const chain = inputs?.chain ?? [];
  if (chain.includes(link) || chain.length > 16) {
    fail(d, at, file.line, `extends loops: ${[...chain, link].join(" → ")}`);
    return undefined;
  }
  const other: Diagnostics = { ...d, file: read.file };
  const tree = composeTree(read.text, {
    file: read.file,
    lookup: inputs?.lookup ?? (() => undefined),
    offline: inputs?.offline ?? false,
    ...(d.service ? { service: d.service } : {}),
  });
  d.problems.push(...tree.problems);
  if (tree.value === undefined) return undefined;
  const services = field(tree.value, "services");
  const entries = services?.value.kind === "map" ? services.value.entries : [];
  const base = entries.find((e) => e.key === name);
  if (base === undefined || base.value.kind !== "map") {
    fail(d, at, file.line, `${JSON.stringify(name)} is not a service of ${rel}`);
    return undefined;
  }
  const resolved = resolveExtends(other, entries, {
    ...(inputs ??
      { paths: { resolve: () => ({ ok: false, skip: true }) }, lookup: () => undefined }),
    chain: [...chain, `${d.file}#${s.key}`, link],
  }).find((e) => e.key === name);
  if (resolved === undefined || resolved.value.kind !== "map") return undefined;
  return {
    ...resolved.value,
    entries: resolved.value.entries.map((e) => e.file ? e : { ...e, file: read.file }),
  };
}

/** `main` over `base`, key by key. */
function mergeService(base: MapNode, main: MapNode): MapNode {
  return mergeMap(base, main, (key, b, m) => {
    if (OVERRIDE_KEYS.has(key)) return m;
    if (key === "healthcheck" && b.kind === "map" && m.kind === "map") {
      return mergeMap(b, m, (k, bb, mm) => (k === "test" ? mm : mergeValue(bb, mm)));
    }
    if (MAPPING_KEYS.has(key)) return mergeMap(asMap(b, key), asMap(m, key), (_, _b, mm) => mm);
    if (UNIQUE_TARGET[key]) return mergeUnique(b, m, UNIQUE_TARGET[key]);
    return mergeValue(b, m);
  });
}

/** The generic rule: maps merge recursively, sequences append, anything else is replaced. */
function mergeValue(b: CNode, m: CNode): CNode {
  if (b.kind === "map" && m.kind === "map") {
    return mergeMap(b, m, (_, bb, mm) => mergeValue(bb, mm));
  }
  if (b.kind === "seq" && m.kind === "seq") return { ...m, items: [...b.items, ...m.items] };
  return m;
}

/** Entries of `b`, those `m` also has merged by `merge`, then `m`'s own. */
function mergeMap(
  b: MapNode,
  m: MapNode,
  merge: (key: string, b: CNode, m: CNode) => CNode,
): MapNode {
  const entries: CEntry[] = b.entries.map((e) => {
    const over = field(m, e.key);
    return over ? { ...over, value: merge(e.key, e.value, over.value) } : e;
  });
  for (const e of m.entries) if (!field(b, e.key)) entries.push(e);
  return { ...m, entries };
}

/** A `NAME=value` (or, for extra_hosts, `host:ip`) list as a map; a map as it is. */
function asMap(node: CNode, key: string): MapNode {
  if (node.kind === "map") return node;
  const items = node.kind === "seq" ? node.items : [];
  const entries = items.flatMap((item): CEntry[] => {
    const t = text(item);
    if (t === undefined) return [];
    const sep = key === "extra_hosts" ? t.search(/[:=]/) : t.indexOf("=");
    const name = sep < 0 ? t : t.slice(0, sep);
    const value: CNode = sep < 0
      ? { kind: "scalar", line: item.line, value: null, text: "" }
      : { kind: "scalar", line: item.line, value: t.slice(sep + 1), text: t.slice(sep + 1) };
    return [{ key: name, line: item.line, value }];
  });
  return { kind: "map", line: node.line, entries };
}

/** How entries of ports, volumes, secrets and configs are told apart. */
const UNIQUE_TARGET: Readonly<Record<string, (item: CNode) => string>> = {
  volumes: (item) => {
    if (item.kind === "map") return text(field(item, "target")?.value ?? item) ?? "";
    const parts = (text(item) ?? "").split(":");
    return (parts.length === 1 ? parts[0] : parts[1]) ?? "";
  },
  secrets: (item) => objectTarget(item),
  configs: (item) => objectTarget(item),
  ports: (item) => {
    if (item.kind === "map") {
      const get = (k: string) => text(field(item, k)?.value ?? item) ?? "";
      return `${get("host_ip")}|${get("published")}|${get("target")}|${get("protocol") || "tcp"}`;
    }
    const spec = text(item) ?? "";
    const slash = spec.lastIndexOf("/");
    const proto = slash < 0 ? "tcp" : spec.slice(slash + 1);
    const parts = (slash < 0 ? spec : spec.slice(0, slash)).split(":");
    const target = parts.pop() ?? "";
    const published = parts.pop() ?? "";
    return `${parts.join(":").replace(/^\[|\]$/g, "")}|${published}|${target}|${proto}`;
  },
};

function objectTarget(item: CNode): string {
  if (item.kind !== "map") return text(item) ?? "";
  return text(field(item, "target")?.value ?? item) ?? text(field(item, "source")?.value ?? item) ??
    "";
}

/** Items of `b` (replaced by `m`'s item with the same target), then `m`'s new items. */
function mergeUnique(b: CNode, m: CNode, target: (item: CNode) => string): CNode {
  if (b.kind !== "seq" || m.kind !== "seq") return m;
  const mine = new Map(m.items.map((i) => [target(i), i]));
  const used = new Set<string>();
  const items = b.items.map((i) => {
    const t = target(i);
    const over = mine.get(t);
    if (over === undefined) return i;
    used.add(t);
    return over;
  });
  for (const i of m.items) if (!used.has(target(i))) items.push(i);
  return { ...m, items };
}
