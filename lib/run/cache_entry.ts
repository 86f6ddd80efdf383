/**
 * What hoist's cache files (the desired-state cache, the parsed-config cache) share: the
 * envelope of a stored entry (format, hoist version, key, the variables the reading read) and the
 * variables' part of a key. Pure.
 *
 * @module
 */
import { VERSION } from "../version.ts";

/** The variables a reading looked up by name, or `"all"` when it enumerated them. */
export type VarsRead = readonly string[] | "all";

/** The fields every stored entry has. */
export interface CacheEnvelope {
  readonly format: number;
  readonly hoist: string;
  readonly key: string;
  readonly vars: VarsRead;
}

/**
 * The entry `text` holds when it is JSON of `format` and this hoist's version, with a key and the
 * variables read; else undefined (the file is ignored and replaced). The caller checks its own
 * fields.
 *
 * @example
 * ```ts
 * parseCacheEnvelope<Entry>(await read(path), FORMAT)?.key;
 * ```
 */
export function parseCacheEnvelope<T extends CacheEnvelope>(
  text: string | undefined,
  format: number,
): (Partial<T> & CacheEnvelope) | undefined {
  if (text === undefined) return undefined;
  let e: Partial<T> | null;
  try {
    e = JSON.parse(text) as Partial<T> | null;
  } catch {
    return undefined;
  }
  if (e === null || typeof e !== "object" || e.format !== format || e.hoist !== VERSION) {
    return undefined;
  }
  const vars = e.vars;
  if (typeof e.key !== "string") return undefined;
  if (vars !== "all" && !(Array.isArray(vars) && vars.every((v) => typeof v === "string"))) {
    return undefined;
  }
  return e as Partial<T> & CacheEnvelope;
}

/**
 * The variables' part of a key: every variable, sorted by name, when the reading enumerated them;
 * else each name read with its value (null: unset).
 *
 * @example
 * ```ts
 * varsKey(["B"], new Map([["A", "1"], ["B", "2"]])); // ["named", [["B", "2"]]]
 * ```
 */
export function varsKey(vars: VarsRead, values: ReadonlyMap<string, string>): unknown[] {
  if (vars === "all") {
    return ["all", [...values].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)];
  }
  return ["named", [...new Set(vars)].sort().map((n) => [n, values.get(n) ?? null])];
}
