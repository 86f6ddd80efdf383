/**
 * git adapter: fetch one branch into a cached bare repository, read a commit's folder without a
 * working tree (so an edited checkout can never change what is deployed).
 *
 * @module
 */
import tar from "tar-stream";
import { MAX_FILE_BYTES } from "../desired/repo_files.ts";
import type { RepoEntry, RepoTree } from "../desired/types.ts";
import { HoistError } from "../errors.ts";
import { checked, CommandError, type Runner } from "./run_command.ts";

/** Reading and fetching repositories. */
export interface Git {
  /** Fetches `branch` of `url` into the bare cache `cacheDir`; returns the commit id. */
  fetch(url: string, branch: string, cacheDir: string): Promise<string>;
  /** Reads folder `path` of `commit` (all of it when path is ""). */
  readTree(cacheDir: string, commit: string, path: string): Promise<RepoTree>;
  /** Names of the folders directly under `path` at `commit` (for "which hosts exist" hints). */
  listDirs(cacheDir: string, commit: string, path: string): Promise<string[]>;
}

/** Environment that keeps git from prompting or reading the user's configuration. */
export const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: "0",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  LC_ALL: "C",
};

/** Argv for a shallow fetch of one branch (exported for tests). */
export function fetchArgs(cacheDir: string, url: string, branch: string): string[] {
  return [
    "-C",
    cacheDir,
    "fetch",
    "--quiet",
    "--no-tags",
    "--depth=1",
    "--",
    url,
    `refs/heads/${branch}`,
  ];
}

/** The commit id in a FETCH_HEAD file (`<sha>\t\tbranch 'main' of …`). */
export function parseFetchHead(text: string): string | undefined {
  return /^([0-9a-f]{40,64})\b/.exec(text)?.[1];
}

/**
 * Parses `git archive --format=tar` output into entries (paths without trailing slashes).
 * Files over {@link MAX_FILE_BYTES} are recorded as too large and never held in memory.
 */
export function parseTar(
  data: Uint8Array,
  maxFile = MAX_FILE_BYTES,
): Promise<Map<string, RepoEntry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, RepoEntry>();
    const extract = tar.extract();
    extract.on("entry", (header, stream, next) => {
      const name = header.name.replace(/\/+$/, "");
      const chunks: Uint8Array[] = [];
      let size = 0;
      stream.on("data", (chunk: unknown) => {
        const c = chunk as Uint8Array;
        size += c.length;
        if (size <= maxFile) chunks.push(c);
      });
      stream.on("end", () => {
        if (header.type === "directory") entries.set(name, { kind: "dir" });
        else if (header.type === "symlink") {
          entries.set(name, { kind: "symlink", target: header.linkname ?? "" });
        } else if (header.type === "file") {
          if (size > maxFile) entries.set(name, { kind: "too-large", size });
          else {
            const data = new Uint8Array(size);
            let at = 0;
            for (const c of chunks) {
              data.set(c, at);
              at += c.length;
            }
            entries.set(name, { kind: "file", data });
          }
        }
        next();
      });
      stream.resume();
    });
    extract.on("finish", () => resolve(entries));
    extract.on("error", reject);
    extract.end(data);
  });
}

/** Creates the git adapter. */
export function createGit(
  run: Runner,
  fs: {
    exists(path: string): Promise<boolean>;
    readText(path: string): Promise<string | undefined>;
  },
): Git {
  const git = (args: string[], hint?: string) =>
    checked(run, { cmd: "git", args, env: GIT_ENV }, hint);
  return {
    async fetch(url, branch, cacheDir) {
      if (!(await fs.exists(`${cacheDir}/HEAD`))) {
        await git(["init", "--quiet", "--bare", cacheDir]);
      }
      try {
        await git(fetchArgs(cacheDir, url, branch));
      } catch (e) {
        if (e instanceof CommandError) {
          const missing = /couldn't find remote ref/i.test(e.stderrTail);
          throw new HoistError(
            "source-failed",
            missing
              ? `branch ${branch} does not exist in ${url}`
              : `cannot fetch ${url} (branch ${branch}): ${
                e.stderrTail || `git exit ${e.exitCode}`
              }`,
            missing
              ? "Check [source] branch in the config"
              : "Check [source] url and that this host can reach it; running services are left as they are",
            { cause: e },
          );
        }
        throw e;
      }
      const commit = parseFetchHead((await fs.readText(`${cacheDir}/FETCH_HEAD`)) ?? "");
      if (!commit) {
        throw new HoistError("source-failed", `git fetch left no FETCH_HEAD in ${cacheDir}`);
      }
      return commit;
    },
    async readTree(cacheDir, commit, path) {
      const args = ["-C", cacheDir, "archive", "--format=tar", commit];
      if (path !== "") args.push("--", path);
      const result = await run({ cmd: "git", args, env: GIT_ENV });
      if (result.code !== 0) {
        if (/did not match any files/.test(result.stderr)) {
          return { revision: commit, entries: new Map() };
        }
        throw new CommandError({ cmd: "git", args }, result);
      }
      return { revision: commit, entries: await parseTar(result.stdout) };
    },
    async listDirs(cacheDir, commit, path) {
      const spec = path === "" ? commit : `${commit}:${path}`;
      const result = await run({
        cmd: "git",
        args: ["-C", cacheDir, "ls-tree", "-d", "--name-only", spec],
        env: GIT_ENV,
      });
      if (result.code !== 0) return [];
      return new TextDecoder().decode(result.stdout).split("\n").filter((l) => l !== "");
    },
  };
}
