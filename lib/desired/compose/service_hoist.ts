/**
 * {@link serviceHoist}: a compose service's own `x-hoist:` map, which holds its health settings
 * (`x-hoist: { health: { http: … } }`), read by the same rules as config.yml's. Pure.
 *
 * @module
 */
import { entryPlace, type HealthSettings, readHealthValue } from "../health_config.ts";
import type { CEntry, CNode } from "./compose_tree.ts";
import { describe, keyPath } from "./nodes.ts";
import { type Diagnostics, fail } from "./unit_builder.ts";

/**
 * The health settings of compose service `name` from its `x-hoist` entry (undefined when it has
 * none, or after an error). Problems go to `d`, each at its line; the settings are not part of
 * any hash (an x-hoist edit restarts nothing).
 *
 * @example
 * ```ts
 * serviceHoist(d, "web", entry)?.probe; // { kind: "http", url: "http://127.0.0.1:8080/", status: 200 }
 * ```
 */
export function serviceHoist(
  d: Diagnostics,
  name: string,
  entry: CEntry,
): HealthSettings | undefined {
  const path = keyPath(keyPath(keyPath("services", name), "x-hoist"), "health");
  const value = entry.value;
  if (value.kind !== "map") {
    fail(
      d,
      keyPath(keyPath("services", name), "x-hoist"),
      entry.line,
      `expected a map, got ${describe(value)}`,
      "Write x-hoist: { health: { http: http://127.0.0.1:8080/ } }",
    );
    return undefined;
  }
  let health: HealthSettings | undefined;
  for (const e of value.entries) {
    if (e.key !== "health") {
      fail(
        d,
        keyPath(keyPath(keyPath("services", name), "x-hoist"), e.key),
        e.line,
        "unknown key",
        "x-hoist on a compose service knows health",
      );
      continue;
    }
    const lines = new Map<string, number>();
    const plain = toPlain(e.value, [], lines);
    const read = readHealthValue(
      name,
      plain,
      (p) => entryPlace(d.file, () => lines.get(p.join("\0")) ?? e.line),
    );
    for (const p of read.problems) {
      d.problems.push({
        ...p,
        message: p.message.replace(`services.${name}.health`, path),
        ...(d.service === undefined ? {} : { service: d.service }),
      });
    }
    health = read.value;
  }
  return health;
}

/** A compose node as a plain value, the line of each key path noted in `lines`. */
function toPlain(node: CNode, path: readonly string[], lines: Map<string, number>): unknown {
  if (!lines.has(path.join("\0"))) lines.set(path.join("\0"), node.line);
  switch (node.kind) {
    case "scalar":
      return node.value;
    case "seq":
      return node.items.map((i) => toPlain(i, path, lines));
    case "map":
      return Object.fromEntries(node.entries.map((e) => {
        lines.set([...path, e.key].join("\0"), e.line);
        return [e.key, toPlain(e.value, [...path, e.key], lines)];
      }));
  }
}
