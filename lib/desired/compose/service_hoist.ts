/**
 * {@link serviceHoist}: a compose service's own `x-hoist:` map, which holds its health settings
 * (`x-hoist: { health: { http: … } }`), read by the same rules as config.yml's, and its images'
 * update policy (`x-hoist: { images: auto }`). Pure.
 *
 * @module
 */
import { entryPlace } from "../entry_place.ts";
import type { HealthSettings } from "../health_settings.ts";
import { readHealthValue } from "../read_health_value.ts";
import { readUpdatePolicy, type UpdatePolicy } from "../../images/update_policy.ts";
import type { CEntry, CNode } from "./compose_tree.ts";
import { describe, keyPath, text } from "./nodes.ts";
import { type Diagnostics, fail } from "./unit_builder.ts";

/** What a compose service's own `x-hoist` says. */
export interface ServiceHoist {
  readonly health?: HealthSettings;
  /** `x-hoist: { images: … }`, and the line it is written on. */
  readonly images?: { readonly policy: UpdatePolicy; readonly line: number };
}

/**
 * The settings of compose service `name` from its `x-hoist` entry (empty when it has none, or
 * after an error). Problems go to `d`, each at its line; the settings are not part of any hash
 * (an x-hoist edit restarts nothing).
 *
 * @example
 * ```ts
 * serviceHoist(d, "web", entry).health?.probe; // { kind: "http", url: "http://127.0.0.1:8080/", status: 200 }
 * serviceHoist(d, "web", entry).images; // { policy: "auto", line: 7 }
 * ```
 */
export function serviceHoist(d: Diagnostics, name: string, entry: CEntry): ServiceHoist {
  const own = keyPath(keyPath("services", name), "x-hoist");
  const path = keyPath(own, "health");
  const value = entry.value;
  if (value.kind !== "map") {
    fail(
      d,
      own,
      entry.line,
      `expected a map, got ${describe(value)}`,
      "Write x-hoist: { health: { http: http://127.0.0.1:8080/ } } or x-hoist: { images: auto }",
    );
    return {};
  }
  let health: HealthSettings | undefined;
  let images: ServiceHoist["images"];
  for (const e of value.entries) {
    if (e.key === "images") {
      const read = readUpdatePolicy(e.value.kind === "scalar" ? text(e.value) : undefined);
      if ("error" in read) {
        fail(
          d,
          keyPath(own, e.key),
          e.line,
          e.value.kind === "scalar"
            ? read.error
            : `must be pinned, manual or auto, got ${describe(e.value)}`,
          "Write images: pinned, images: manual or images: auto",
        );
      } else images = { policy: read.policy, line: e.line };
      continue;
    }
    if (e.key !== "health") {
      fail(
        d,
        keyPath(own, e.key),
        e.line,
        "unknown key",
        "x-hoist on a compose service knows health and images",
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
  return {
    ...(health === undefined ? {} : { health }),
    ...(images === undefined ? {} : { images }),
  };
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
