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

/**
 * Reads the file at `path`, following symlinks that stay inside `boundary`.
 * Returns the bytes, or a problem naming the file.
 */
export function readRepoFile(
  tree: RepoTree,
  path: string,
  boundary: string,
  service?: string,
): { data?: Uint8Array; problem?: Problem } {
  let current = path;
  for (let hop = 0; hop < 8; hop++) {
    const entry = tree.entries.get(current);
    if (!entry) {
      return {
        problem: problem("error", `symlink target ${current} does not exist`, {
          file: path,
          service,
        }),
      };
    }
    switch (entry.kind) {
      case "file":
        return { data: entry.data };
      case "dir":
        return {
          problem: problem("error", "symlinks to folders are not supported", {
            file: path,
            service,
            hint: "Replace the symlink with the files themselves",
          }),
        };
      case "too-large":
        return {
          problem: problem(
            "error",
            `file is too large (${entry.size} bytes; the limit is ${MAX_FILE_BYTES})`,
            {
              file: path,
              service,
              hint: "Keep large data out of the repository; mount it from the host instead",
            },
          ),
        };
      case "symlink": {
        const target = entry.target;
        const resolved = posix.normalize(posix.join(posix.dirname(current), target));
        if (posix.isAbsolute(target) || resolved === ".." || resolved.startsWith("../")) {
          return {
            problem: problem("error", `symlink points outside the repository (${target})`, {
              file: path,
              service,
              hint: "Symlinks may only point to files inside the same service folder",
            }),
          };
        }
        if (!resolved.startsWith(boundary + "/")) {
          return {
            problem: problem("error", `symlink points outside ${boundary}/ (${target})`, {
              file: path,
              service,
              hint: "Symlinks may only point to files inside the same service folder",
            }),
          };
        }
        current = resolved;
      }
    }
  }
  return { problem: problem("error", "too many levels of symlinks", { file: path, service }) };
}

/** Decodes UTF-8 text strictly, refusing NUL bytes and oversized files. */
export function decodeText(
  data: Uint8Array,
  file: string,
  service?: string,
): { text?: string; problem?: Problem } {
  if (data.length > MAX_TEXT_BYTES) {
    return {
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
    return { text };
  } catch {
    return { problem: problem("error", "file is not UTF-8 text", { file, service }) };
  }
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
    if (read.problem) problems.push(read.problem);
    else if (read.data) {
      files.push({ path: relative, data: read.data, digest: sha256Hex(read.data) });
    }
  }
  return { files, problems };
}
