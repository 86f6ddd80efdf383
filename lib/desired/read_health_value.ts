/**
 * Reads health settings given as plain values (parsed TOML) by the rules of config.yml's
 * `health:`, each value's line found by its key path. Pure.
 *
 * @module
 */
import { Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import type { EntryPlace } from "./entry_place.ts";
import type { HealthSettings } from "./health_settings.ts";
import type { Read } from "./read.ts";
import { readHealth } from "./read_health.ts";

/**
 * Reads health settings given as plain values (the agent config's
 * `[services.<name>] health = { tcp = "127.0.0.1:5432" }`, parsed TOML) with the same rules as
 * config.yml. `lineOf` gets the key path of the value at fault (`["interval"]`, `["http", "url"]`;
 * `[]` for the whole table) and returns its line, where known.
 *
 * @example
 * ```ts
 * readHealthValue("db", { tcp: "127.0.0.1:5432" }, () => entryPlace("config.toml", () => 3))
 *   .value?.probe.kind; // "tcp"
 * ```
 */
export function readHealthValue(
  name: string,
  value: unknown,
  at: (path: readonly string[]) => EntryPlace,
): Read<HealthSettings | undefined> {
  const paths = new Map<unknown, readonly string[]>();
  const node = toNode(value, [], paths);
  const lineOf = (n: unknown) => at(paths.get(n) ?? []).lineOf(n);
  const file = at([]).file;
  const place: EntryPlace = {
    ...(file === undefined ? {} : { file }),
    lineOf,
    error: (message, n, hint) => at(paths.get(n) ?? []).error(message, n, hint),
  };
  return readHealth(name, node, node, place);
}

/** A plain value as YAML nodes, each node's key path noted in `paths`. */
function toNode(value: unknown, path: readonly string[], paths: Map<unknown, readonly string[]>) {
  let node: Scalar | YAMLMap | YAMLSeq;
  if (Array.isArray(value)) {
    node = new YAMLSeq();
    for (const v of value) node.items.push(toNode(v, path, paths));
  } else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    const map = new YAMLMap();
    for (const [k, v] of Object.entries(value)) {
      const key = new Scalar(k);
      paths.set(key, [...path, k]);
      map.items.push(new Pair(key, toNode(v, [...path, k], paths)));
    }
    node = map;
  } else node = new Scalar(value instanceof Date ? value.toISOString() : value);
  paths.set(node, path);
  return node;
}
