/**
 * Synchronous sha256 for content hashing (WebCrypto is async-only; the core stays synchronous).
 *
 * @module
 */
import { createHash } from "node:crypto";

/** sha256 of `data` (string as UTF-8) as lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Hash of named parts, independent of the order given: parts are sorted by name, and each is
 * framed by its length so that no two different sets collide by concatenation.
 */
export function hashParts(parts: readonly (readonly [string, Uint8Array | string])[]): string {
  const h = createHash("sha256");
  for (const [name, data] of [...parts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    h.update(`${name.length}:${name}\0${bytes.length}:`);
    h.update(bytes);
  }
  return h.digest("hex");
}
