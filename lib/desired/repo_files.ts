/**
 * Walking a {@link RepoTree} folder safely: symlinks resolved inside a boundary, size limits.
 *
 * @module
 */
import { posix } from "node:path";
import { type Problem, problem } from "../errors.ts";
import { sha256Hex } from "./digest.ts";
import type { DesiredFile, RepoTree } from "./types.ts";

export { MAX_FILE_BYTES } from "../types/repo_tree.ts";
import { MAX_FILE_BYTES } from "../types/repo_tree.ts";
/** Largest YAML/unit file hoist parses. */
export const MAX_TEXT_BYTES = 256 * 1024;

/** Entries directly or indirectly under `dir` (repository-relative, no trailing slash). */
export function pathsUnder(tree: RepoTree, dir: string): string[] {
  const prefix = dir + "/";
  return [...tree.entries.keys()].filter((p) => p.startsWith(prefix)).sort();
}

/** True when `dir` exists in the tree as a folder (or has entries below it). */
export function hasDir(tree: RepoTree, dir: string): boolean {
  const e = tree.entries.get(dir);
  return e?.kind === "dir" || pathsUnder(tree, dir).length > 0;
}

/** A repository file's bytes, or the problem that kept them from being read. */
export type FileRead =
  | { readonly ok: true; readonly data: Uint8Array }
  | { readonly ok: false; readonly problem: Problem };

/** A repository file's text, or the problem that kept it from being read or decoded. */
export type TextRead =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly problem: Problem };

/**
 * Reads the file at `path`, following symlinks that stay inside `boundary`.
 * Returns the bytes, or a problem naming the file.
 */
export function readRepoFile(
  tree: RepoTree,
  path: string,
  boundary: string,
  service?: string,
): FileRead {
  const fail = (message: string, hint?: string): FileRead => ({
    ok: false,
    problem: problem("error", message, { file: path, service, hint }),
  });
  let current = path;
  for (let hop = 0; hop < 8; hop++) {
    const entry = tree.entries.get(current);
    if (!entry) return fail(`symlink target ${current} does not exist`);
    switch (entry.kind) {
      case "file":
        return { ok: true, data: entry.data };
      case "dir":
        return fail(
          "symlinks to folders are not supported",
          "Replace the symlink with the files themselves",
        );
      case "too-large":
        return fail(
          `file is too large (${entry.size} bytes; the limit is ${MAX_FILE_BYTES})`,
          "Keep large data out of the repository; mount it from the host instead",
        );
      case "symlink": {
        const next = linkTarget(current, entry.target, boundary);
        if (!next.ok) {
          return fail(
            next.message,
            "Symlinks may only point to files inside the same service folder",
          );
        }
        current = next.path;
      }
    }
  }
  return fail("too many levels of symlinks");
}

/** Where the symlink at `from` points, if that stays inside the repository and `boundary`. */
function linkTarget(
  from: string,
  target: string,
  boundary: string,
): { ok: true; path: string } | { ok: false; message: string } {
  const resolved = posix.normalize(posix.join(posix.dirname(from), target));
  if (posix.isAbsolute(target) || resolved === ".." || resolved.startsWith("../")) {
    return { ok: false, message: `symlink points outside the repository (${target})` };
  }
  if (!resolved.startsWith(boundary + "/")) {
    return { ok: false, message: `symlink points outside ${boundary}/ (${target})` };
  }
  return { ok: true, path: resolved };
}

/** Decodes UTF-8 text strictly, refusing NUL bytes and oversized files. */
export function decodeText(
  data: Uint8Array,
  file: string,
  service?: string,
): TextRead {
  if (data.length > MAX_TEXT_BYTES) {
    return {
      ok: false,
      problem: problem(
        "error",
        `file is too large to parse (${data.length} bytes; the limit is ${MAX_TEXT_BYTES})`,
        {
          file,
          service,
        },
      ),
    };
  }
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(data);
    if (text.includes("\0")) throw new Error("NUL");
    return { ok: true, text };
  } catch {
    return { ok: false, problem: problem("error", "file is not UTF-8 text", { file, service }) };
  }
}

/**
 * Reads the file at `path` (symlinks inside `boundary`) and decodes it as text: the one problem
 * that stopped either step, or the text.
 *
 * @example
 * ```ts
 * const read = readText(tree, "gitops/a/web/manifest.yml", "gitops/a/web", "web");
 * if (!read.ok) problems.push(read.problem);
 * ```
 */
export function readText(
  tree: RepoTree,
  path: string,
  boundary: string,
  service?: string,
): TextRead {
  const read = readRepoFile(tree, path, boundary, service);
  return read.ok ? decodeText(read.data, path, service) : read;
}

/** Collects all files under `dir` (relative paths), except those `skip` accepts. */
export function collectFiles(
  tree: RepoTree,
  dir: string,
  skip: (relative: string) => boolean,
  service?: string,
): { files: DesiredFile[]; problems: Problem[] } {
  const files: DesiredFile[] = [];
  const problems: Problem[] = [];
  for (const path of pathsUnder(tree, dir)) {
    const entry = tree.entries.get(path);
    const relative = path.slice(dir.length + 1);
    if (!entry || entry.kind === "dir" || skip(relative)) continue;
    const read = readRepoFile(tree, path, dir, service);
    if (!read.ok) problems.push(read.problem);
    else files.push({ path: relative, data: read.data, digest: sha256Hex(read.data) });
  }
  return { files, problems };
}
