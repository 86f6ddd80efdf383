/**
 * {@link resolveExtends}: `extends: {service: base}` within one compose file, merged as the compose
 * specification says (13-merge.md, 05-services.md "extends").
 *
 * @module
 */
import type { CEntry, CNode } from "./compose_tree.ts";
import { describe, field, keyPath, text } from "./nodes.ts";
import { type Diagnostics, fail, unsupported } from "./unit_builder.ts";

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
 * scalars replaced. `extends: {file: …}`, unknown bases and cycles are errors.
 *
 * @example
 * ```ts
 * resolveExtends(d, services.entries); // each entry with its base merged in, `extends` removed
 * ```
 */
export function resolveExtends(d: Diagnostics, services: readonly CEntry[]): CEntry[] {
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
    const file = field(ext.value, "file");
    if (file) {
      unsupported(d, keyPath(path, "file"), file.line, "extends with file: is not supported yet");
      return { ...s, value: own };
    }
    const baseName = text(ext.value) ?? text(field(ext.value, "service")?.value ?? ext.value);
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
