/**
 * A folder on disk → {@link RepoTree}, for `hoist validate` on a checkout (no git needed).
 *
 * @module
 */
import { MAX_FILE_BYTES, type RepoEntry, type RepoTree } from "../types/repo_tree.ts";

/** Reads `dir` recursively (skipping `.git`); paths are relative to `dir`. Symlinks are kept as links. */
export async function readDirTree(dir: string, label = "working tree"): Promise<RepoTree> {
  const entries = new Map<string, RepoEntry>();
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel === "" ? dir : `${dir}/${rel}`)) {
      if (rel === "" && e.name === ".git") continue;
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      const full = `${dir}/${path}`;
      if (e.isSymlink) entries.set(path, { kind: "symlink", target: await Deno.readLink(full) });
      else if (e.isDirectory) {
        entries.set(path, { kind: "dir" });
        await walk(path);
      } else if (e.isFile) {
        const size = (await Deno.stat(full)).size;
        entries.set(
          path,
          size > MAX_FILE_BYTES
            ? { kind: "too-large", size }
            : { kind: "file", data: await Deno.readFile(full) },
        );
      }
    }
  };
  await walk("");
  return { revision: label, entries };
}
