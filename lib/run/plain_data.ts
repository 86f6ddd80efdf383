/**
 * Values with maps, sets and byte arrays as JSON-able data and back, for hoist's own cache files
 * (the desired-state cache, the parsed-config cache).
 *
 * @module
 */

// Markers of the JSON form; a NUL starts no key the readers make, and an object that has such a
// key anyway is stored as its entries.
const BYTES = "\0bytes";
const BASE64 = "\0base64";
const MAP = "\0map";
const SET = "\0set";
const OBJ = "\0obj";
const UNDEFINED = "\0undefined";

/**
 * `value` as JSON-able data: maps and sets kept as such, byte arrays as base64, except those of
 * an object marked `secret: true` (a secret file), which keep only their length, so a cache of it
 * never holds a secret; `undefined` fields left out. Throws on values JSON cannot carry (a class
 * instance, a function, a non-finite number). With `keepUndefined`, a field set to `undefined`
 * stays, as such (a parsed config has them; the desired state does not need them).
 *
 * @example
 * ```ts
 * fromPlainData(JSON.parse(JSON.stringify(toPlainData(new Map([["a", new Set([1])]])))));
 * // Map { "a" => Set { 1 } }
 * ```
 */
export function toPlainData(value: unknown, opts: { keepUndefined?: boolean } = {}): unknown {
  return encode(value, false, opts.keepUndefined === true);
}

function encode(v: unknown, secret: boolean, undef: boolean): unknown {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new TypeError(`cannot store the number ${v}`);
    return v;
  }
  if (v instanceof Uint8Array) return secret ? { [BYTES]: v.length } : { [BASE64]: v.toBase64() };
  const inner = (x: unknown) => encode(x, false, undef);
  if (Array.isArray(v)) return v.map((x) => x === undefined ? null : inner(x));
  if (v instanceof Map) return { [MAP]: [...v].map(([k, x]) => [inner(k), inner(x)]) };
  if (v instanceof Set) return { [SET]: [...v].map(inner) };
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const o = v as Record<string, unknown>;
    const entries = Object.entries(o).filter(([, x]) => undef || x !== undefined);
    const field = (x: unknown) =>
      x === undefined
        ? { [UNDEFINED]: 0 }
        : encode(x, x instanceof Uint8Array && o.secret === true, undef);
    if (entries.some(([k]) => k.startsWith("\0"))) {
      return { [OBJ]: entries.map(([k, x]) => [k, field(x)]) };
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, field(x)]));
  }
  throw new TypeError(`cannot store a ${typeof v} (${Object.prototype.toString.call(v)})`);
}

/** The inverse of {@link toPlainData}: secret files' bytes come back empty. */
export function fromPlainData(data: unknown): unknown {
  return decode(data);
}

function decode(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(decode);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const only = o[keys[0]!];
    if (keys[0] === BYTES && typeof only === "number") return new Uint8Array(0);
    if (keys[0] === UNDEFINED && only === 0) return undefined;
    if (keys[0] === BASE64 && typeof only === "string") return Uint8Array.fromBase64(only);
    if (keys[0] === MAP && Array.isArray(only)) {
      return new Map(only.map((kv) => {
        const [k, x] = kv as [unknown, unknown];
        return [decode(k), decode(x)];
      }));
    }
    if (keys[0] === SET && Array.isArray(only)) return new Set(only.map(decode));
    if (keys[0] === OBJ && Array.isArray(only)) {
      return Object.fromEntries(only.map((kv) => {
        const [k, x] = kv as [string, unknown];
        return [k, decode(x)];
      }));
    }
  }
  return Object.fromEntries(keys.map((k) => [k, decode(o[k])]));
}
