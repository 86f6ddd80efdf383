/**
 * File system adapter: atomic writes, immutable copy folders, and the few reads observe needs.
 * Every failure the runtime reports (a full disk, a file where a folder belongs, no permission)
 * becomes an `fs-failed` {@link HoistError} naming the operation and the path, with a hint fitting
 * the cause; what callers are told to expect (a missing file for `readText`…) is an answer, not an
 * error.
 *
 * @module
 */
import { dirname } from "node:path";
import { HoistError, hostError } from "../errors.ts";

/** Runs one file operation; a runtime error becomes an `fs-failed` HoistError about `path`. */
async function guard<T>(what: string, path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof HoistError) throw e;
    throw hostError("fs-failed", `cannot ${what} ${path}`, path, e);
  }
}

/** One file of a folder {@link Fs.createFolder} makes. */
export interface FolderFile {
  /** Path relative to the folder. */
  readonly path: string;
  readonly data: Uint8Array;
  /** Written 0600 in a 0700 folder. */
  readonly secret?: boolean;
}

/** File operations hoist performs on the host. */
export interface Fs {
  exists(path: string): Promise<boolean>;
  /** File content as text, or undefined when there is no such file. */
  readText(path: string): Promise<string | undefined>;
  /** Writes via temp file + fsync + rename, creating parent folders. */
  writeAtomic(path: string, content: string, mode?: number): Promise<void>;
  /**
   * Removes a file; no error when it is already gone. Then removes parent folders left empty,
   * up to (never including) `root`.
   */
  remove(path: string, root: string): Promise<void>;
  /**
   * Creates `dir` with `files` (built in a temp folder, then renamed), unless it exists. Secret
   * files are written 0600 and make `dir` 0700.
   */
  createFolder(dir: string, files: readonly FolderFile[]): Promise<void>;
  removeTree(path: string): Promise<void>;
  /** Names of the plain files directly in `dir`, sorted; [] when dir is missing. */
  listFiles(dir: string): Promise<string[]>;
  /** Sub-folders of `dir`, newest first (by modification time); [] when dir is missing. */
  listFolders(dir: string): Promise<string[]>;
  /** Creates `path` and its parents; `mode` (e.g. 0o700) is applied to `path` itself. */
  mkdirp(path: string, mode?: number): Promise<void>;
  makeTempDir(prefix: string): Promise<string>;
}

/** Creates the real file system adapter. */
export function createFs(): Fs {
  const raw: Fs = {
    async exists(path) {
      try {
        await Deno.lstat(path);
        return true;
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return false;
        throw e;
      }
    },
    async readText(path) {
      try {
        return await Deno.readTextFile(path);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
          return undefined;
        }
        throw e;
      }
    },
    async writeAtomic(path, content, mode = 0o644) {
      await Deno.mkdir(dirname(path), { recursive: true });
      const tmp = `${dirname(path)}/.${path.split("/").pop()}.hoist-tmp`;
      const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode });
      try {
        await file.write(new TextEncoder().encode(content));
        await file.sync();
      } finally {
        file.close();
      }
      await Deno.chmod(tmp, mode);
      await Deno.rename(tmp, path);
    },
    async remove(path, root) {
      try {
        await Deno.remove(path);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      const top = root.replace(/\/+$/, "");
      for (let dir = dirname(path); dir.startsWith(top + "/"); dir = dirname(dir)) {
        try {
          await Deno.remove(dir);
        } catch {
          return; // not empty (or not ours to judge): stop climbing
        }
      }
    },
    async createFolder(dir, files) {
      if (await raw.exists(dir)) return;
      await Deno.mkdir(dirname(dir), { recursive: true });
      const tmp = await Deno.makeTempDir({ dir: dirname(dir), prefix: ".hoist-tmp-" });
      try {
        for (const f of files) {
          const target = `${tmp}/${f.path}`;
          await Deno.mkdir(dirname(target), { recursive: true });
          await Deno.writeFile(target, f.data, { mode: f.secret ? 0o600 : 0o644 });
          await Deno.chmod(target, f.secret ? 0o600 : 0o644);
        }
        await Deno.chmod(tmp, files.some((f) => f.secret) ? 0o700 : 0o755);
        await Deno.rename(tmp, dir);
      } catch (e) {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
        throw e;
      }
    },
    async removeTree(path) {
      await Deno.remove(path, { recursive: true }).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    },
    async listFiles(dir) {
      const out: string[] = [];
      try {
        for await (const e of Deno.readDir(dir)) if (e.isFile) out.push(e.name);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return [];
        throw e;
      }
      return out.sort();
    },
    async listFolders(dir) {
      const out: { path: string; mtime: number }[] = [];
      try {
        for await (const e of Deno.readDir(dir)) {
          if (!e.isDirectory || e.name.startsWith(".")) continue;
          const st = await Deno.stat(`${dir}/${e.name}`);
          out.push({ path: `${dir}/${e.name}`, mtime: st.mtime?.getTime() ?? 0 });
        }
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return [];
        throw e;
      }
      return out.sort((a, b) => b.mtime - a.mtime || (a.path < b.path ? -1 : 1)).map((x) => x.path);
    },
    async mkdirp(path, mode) {
      await Deno.mkdir(path, { recursive: true });
      if (mode !== undefined) await Deno.chmod(path, mode);
    },
    makeTempDir(prefix) {
      return Deno.makeTempDir({ prefix });
    },
  };
  const fs: Fs = {
    exists: (path) => guard("look up", path, () => raw.exists(path)),
    readText: (path) => guard("read", path, () => raw.readText(path)),
    writeAtomic: (path, content, mode) =>
      guard("write", path, () => raw.writeAtomic(path, content, mode)),
    remove: (path, root) => guard("remove", path, () => raw.remove(path, root)),
    createFolder: (dir, files) =>
      guard("create the folder", dir, () => raw.createFolder(dir, files)),
    removeTree: (path) => guard("remove the folder", path, () => raw.removeTree(path)),
    listFiles: (dir) => guard("list", dir, () => raw.listFiles(dir)),
    listFolders: (dir) => guard("list", dir, () => raw.listFolders(dir)),
    mkdirp: (path, mode) => guard("create the folder", path, () => raw.mkdirp(path, mode)),
    makeTempDir: (prefix) =>
      guard("create a temporary folder", prefix, () => raw.makeTempDir(prefix)),
  };
  return fs;
}
