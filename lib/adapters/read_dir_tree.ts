/**
 * A folder on disk → {@link RepoTree}, for `hoist validate` on a checkout (no git needed), under
 * the same bounds as a commit read for `plan`: files over {@link MAX_FILE_BYTES} are never read,
 * and a folder whose files add up to more than {@link MAX_TREE_BYTES} (counted as `git archive`
 * would stream them) is an error before it is read whole. File names must be valid UTF-8.
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import { MAX_FILE_BYTES, type RepoEntry, type RepoTree } from "../types/repo_tree.ts";
import { MAX_TREE_BYTES } from "./git.ts";
import { TAR_BLOCK, tarSize } from "./tar.ts";

/**
 * Reads `dir` recursively (skipping `.git`); paths are relative to `dir`. Symlinks are kept as
 * links. Throws `source-failed` when the files add up to more than `maxBytes` (checked from their
 * sizes, before their content is read) or a name is not valid UTF-8.
 */
export async function readDirTree(
  dir: string,
  label = "working tree",
  maxBytes: number = MAX_TREE_BYTES,
): Promise<RepoTree> {
  const entries = new Map<string, RepoEntry>();
  let total = 0;
  const count = (bytes: number) => {
    total += bytes;
    if (total > maxBytes) {
      throw new HoistError(
        "source-failed",
        `${dir} is larger than ${
          maxBytes / 1024 / 1024
        } MiB (the limit for a repository hoist reads)`,
        "Keep large data out of the repository; mount it from the host instead. " +
          "To check only the hoist folders, run validate on a checkout holding just them",
      );
    }
  };
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel === "" ? dir : `${dir}/${rel}`)) {
      if (rel === "" && e.name === ".git") continue;
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      // Deno gives a name that is not UTF-8 with U+FFFD in place of the bad bytes
      if (e.name.includes("\uFFFD")) {
        throw new HoistError(
          "source-failed",
          `${dir}/${path}: the file name is not valid UTF-8 (shown with U+FFFD for the bad bytes)`,
          "Rename it to UTF-8 (convmv -f latin1 -t utf8, or git mv): hoist would not tell such names apart",
        );
      }
      const full = `${dir}/${path}`;
      count(TAR_BLOCK);
      if (e.isSymlink) entries.set(path, { kind: "symlink", target: await Deno.readLink(full) });
      else if (e.isDirectory) {
        entries.set(path, { kind: "dir" });
        await walk(path);
      } else if (e.isFile) {
        const size = (await Deno.stat(full)).size;
        count(tarSize(size));
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
