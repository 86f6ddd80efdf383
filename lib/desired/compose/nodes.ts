/**
 * Reading {@link CNode}s: type checks that say what was found, key paths for messages.
 *
 * @module
 */
import type { CEntry, CNode } from "./compose_tree.ts";

/** A node's type in words ("a list of 2", "a map", "a number"). */
export function describe(node: CNode): string {
  switch (node.kind) {
    case "map":
      return "a map";
    case "seq":
      return `a list of ${node.items.length}`;
    case "scalar":
      return node.value === null ? "nothing" : `a ${typeof node.value}`;
  }
}

/** `parent.key`, with a key that is not a plain word quoted (so a control character stays visible). */
export function keyPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  const shown = /^[A-Za-z0-9_.@/-]+$/.test(key) ? key : JSON.stringify(key);
  return parent === "" ? shown : `${parent}.${shown}`;
}

/** The text of a string, number or boolean scalar; undefined for maps, lists and null. */
export function text(node: CNode): string | undefined {
  return node.kind === "scalar" && node.value !== null ? node.text : undefined;
}

/** The entries of a map node, undefined for anything else. */
export function entries(node: CNode): readonly CEntry[] | undefined {
  return node.kind === "map" ? node.entries : undefined;
}

/** The entry `key` of a map node. */
export function field(node: CNode, key: string): CEntry | undefined {
  return node.kind === "map" ? node.entries.find((e) => e.key === key) : undefined;
}

/** True for a boolean `true` (or the string "true"). */
export function isTrue(node: CNode): boolean {
  return node.kind === "scalar" && (node.value === true || node.value === "true");
}

/** A string-or-list value as its items (`dns: 1.1.1.1` and `dns: [1.1.1.1]` alike). */
export function items(node: CNode): readonly CNode[] {
  return node.kind === "seq" ? node.items : [node];
}

/**
 * A map or `KEY=value` list (`environment`, `labels`, `sysctls`…) as pairs: a list item without
 * `=` has the value undefined, as does a map key with no value.
 */
export function pairs(
  node: CNode,
): { key: string; value: string | undefined; line: number }[] | undefined {
  if (node.kind === "map") {
    return node.entries.map((e) => ({ key: e.key, value: text(e.value), line: e.value.line }));
  }
  if (node.kind !== "seq") return undefined;
  const out: { key: string; value: string | undefined; line: number }[] = [];
  for (const item of node.items) {
    const t = text(item);
    if (t === undefined) return undefined;
    const eq = t.indexOf("=");
    out.push(
      eq < 0
        ? { key: t, value: undefined, line: item.line }
        : { key: t.slice(0, eq), value: t.slice(eq + 1), line: item.line },
    );
  }
  return out;
}
