/**
 * Reading `git archive --format=tar` output into repository entries, with modern-tar (no
 * dependencies of its own).
 *
 * What git writes, and so what this must read: ustar headers, the name split into `prefix` and
 * `name` for paths up to 255 bytes, a pax `path` (and `linkpath`) record beyond that, a pax
 * global header carrying the commit id, directories with a trailing slash, symlinks with their
 * target in `linkname`. Names are decoded as UTF-8, leniently: bytes that are not UTF-8 become
 * U+FFFD, so two such names that differ only there read as one path (the later entry wins).
 *
 * @module
 */
import { unpackTar } from "modern-tar";
import { MAX_FILE_BYTES, type RepoEntry } from "../types/repo_tree.ts";

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
