/**
 * Reading `git archive --format=tar` output into repository entries, with modern-tar (no
 * dependencies of its own).
 *
 * What git writes, and so what this must read: ustar headers, the name split into `prefix` and
 * `name` for paths up to 255 bytes, a pax `path` (and `linkpath`) record beyond that, a pax
 * global header carrying the commit id, directories with a trailing slash, symlinks with their
 * target in `linkname`. Names are decoded as UTF-8 strictly: modern-tar turns bytes that are not
 * UTF-8 into U+FFFD, where two such names that differ only there would read as one path, so a
 * name (or link target) that shows U+FFFD is checked against its raw bytes, and one that is not
 * UTF-8 is an error naming it.
 *
 * @module
 */
import { unpackTar } from "modern-tar";
import { HoistError, oneLine } from "../errors.ts";
import { MAX_FILE_BYTES, type RepoEntry } from "../types/repo_tree.ts";

/** Size of a tar block: each header takes one, each file's content a whole number of them. */
export const TAR_BLOCK = 512;

/** Bytes a file of `size` bytes takes in a tar stream after its header (whole blocks). */
export function tarSize(size: number): number {
  return Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
}

/**
 * Parses a tar archive held in memory into entries keyed by path (without trailing slashes), in
 * archive order. Files larger than `maxFile` are recorded as `too-large` with their size and
 * their content is skipped, never copied. Entries other than files, folders and symlinks are left
 * out. A truncated or corrupt archive (bad checksum, bad number) is an error, not a partial map.
 *
 * @example
 * ```ts
 * const entries = await parseTar(tarBytes);
 * entries.get("gitops/h1/config.yml"); // { kind: "file", data: Uint8Array(…) }
 * ```
 */
export async function parseTar(
  data: Uint8Array,
  maxFile = MAX_FILE_BYTES,
): Promise<Map<string, RepoEntry>> {
  // unpackTar returns only the entries `filter` keeps; `order` says what every header was, in
  // archive order, so too-large files keep their place.
  const order: Slot[] = [];
  const kept = await unpackTar(data, {
    strict: true,
    filter(header) {
      const raw = header.name;
      // modern-tar drops these names after the filter; leaving them out here keeps `order` in step
      if (raw.trim() === "" || raw === "." || raw === "/") return false;
      const name = raw.replace(/\/+$/, "");
      if (header.type === "file" && header.size > maxFile) {
        order.push({ kind: "too-large", name, size: header.size });
        return false;
      }
      if (header.type !== "file" && header.type !== "directory" && header.type !== "symlink") {
        return false;
      }
      order.push({ kind: "kept", name, raw });
      return true;
    },
  });
  if (
    order.some((s) => s.name.includes("\uFFFD")) ||
    kept.some((e) => e.header.linkname?.includes("\uFFFD"))
  ) {
    const bad = firstNonUtf8Name(data);
    if (bad !== undefined) {
      throw new HoistError(
        "source-failed",
        `${bad}: the file name is not valid UTF-8 (each bad byte shown as \\xNN)`,
        "Rename it to UTF-8 (git mv), then commit: hoist refuses such names, since two of them " +
          "could read as one path",
      );
    }
  }
  const entries = new Map<string, RepoEntry>();
  let next = 0;
  for (const slot of order) {
    if (slot.kind === "too-large") {
      entries.set(slot.name, { kind: "too-large", size: slot.size });
      continue;
    }
    const entry = kept[next++];
    if (entry?.header.name !== slot.raw) {
      throw new Error(`tar reader out of step at ${JSON.stringify(slot.raw)}`);
    }
    entries.set(
      slot.name,
      entry.header.type === "directory"
        ? { kind: "dir" }
        : entry.header.type === "symlink"
        ? { kind: "symlink", target: entry.header.linkname ?? "" }
        : { kind: "file", data: entry.data ?? new Uint8Array(0) },
    );
  }
  return entries;
}

/** What one kept or skipped header of the archive was. */
type Slot =
  | { readonly kind: "kept"; readonly name: string; readonly raw: string }
  | { readonly kind: "too-large"; readonly name: string; readonly size: number };

const STRICT = new TextDecoder("utf-8", { fatal: true });

/**
 * Walks the headers of a tar stream (ustar name and prefix, pax `path`/`linkpath`, GNU long
 * names) and returns the first name or link target whose bytes are not UTF-8, shown with each
 * bad byte as `\xNN`; undefined when all are UTF-8. Reads only what {@link parseTar} already
 * accepted, so it stops quietly at anything it does not understand.
 *
 * @example
 * ```ts
 * firstNonUtf8Name(tarOf("caf\xe9.txt")); // "caf\\xe9.txt"
 * ```
 */
export function firstNonUtf8Name(data: Uint8Array): string | undefined {
  let at = 0;
  let long: { path?: Uint8Array; link?: Uint8Array } = {};
  while (at + TAR_BLOCK <= data.length) {
    const h = data.subarray(at, at + TAR_BLOCK);
    if (h.every((b) => b === 0)) return undefined;
    const size = parseInt(new TextDecoder().decode(cString(h.subarray(124, 136))).trim(), 8);
    if (!Number.isSafeInteger(size) || size < 0) return undefined;
    const body = data.subarray(at + TAR_BLOCK, at + TAR_BLOCK + size);
    at += TAR_BLOCK + tarSize(size);
    const type = String.fromCharCode(h[156] ?? 0);
    if (type === "g") continue;
    if (type === "x") {
      long = paxNames(body);
      continue;
    }
    if (type === "L" || type === "K") {
      long = type === "L" ? { ...long, path: cString(body) } : { ...long, link: cString(body) };
      continue;
    }
    const prefix = cString(h.subarray(345, 500));
    const name = long.path ??
      (prefix.length > 0
        ? concat(prefix, Uint8Array.of(0x2f), cString(h.subarray(0, 100)))
        : cString(h.subarray(0, 100)));
    const link = long.link ?? cString(h.subarray(157, 257));
    long = {};
    for (const bytes of [name, link]) if (!isUtf8(bytes)) return showBytes(bytes);
  }
  return undefined;
}

/** The bytes of a NUL-terminated field. */
function cString(field: Uint8Array): Uint8Array {
  const end = field.indexOf(0);
  return end < 0 ? field : field.subarray(0, end);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The raw `path` and `linkpath` values of a pax header body (`<len> <key>=<value>\n` records). */
function paxNames(body: Uint8Array): { path?: Uint8Array; link?: Uint8Array } {
  const out: { path?: Uint8Array; link?: Uint8Array } = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(new TextDecoder().decode(body.subarray(at, space)));
    if (!Number.isSafeInteger(len) || len <= 0) break;
    const record = body.subarray(space + 1, at + len - 1);
    const eq = record.indexOf(0x3d);
    const key = new TextDecoder().decode(record.subarray(0, eq < 0 ? 0 : eq));
    if (key === "path") out.path = record.subarray(eq + 1);
    if (key === "linkpath") out.link = record.subarray(eq + 1);
    at += len;
  }
  return out;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    STRICT.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Bytes as text: UTF-8 sequences as they are, every other byte as `\xNN`; then {@link oneLine}. */
function showBytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i] ?? 0;
    const n = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    const seq = bytes.subarray(i, i + n);
    if (n > 0 && seq.length === n && isUtf8(seq)) {
      out += STRICT.decode(seq);
      i += n;
    } else {
      out += `\\x${lead.toString(16).padStart(2, "0")}`;
      i += 1;
    }
  }
  return oneLine(out);
}
