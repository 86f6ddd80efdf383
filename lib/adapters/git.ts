/**
 * git adapter: fetch one branch into a cached bare repository, read a commit's folder without a
 * working tree (so an edited checkout can never change what is deployed).
 *
 * @module
 */
import type { RepoTree } from "../types/repo_tree.ts";
import { HoistError } from "../errors.ts";
import { checked, CommandError, CommandTimeout, type Runner } from "./run_command.ts";
import { parseTar } from "./tar.ts";

/** How git authenticates; secrets stay in files, never in argv, environment values or logs. */
export interface GitAuth {
  /** Private key for ssh URLs. */
  readonly sshKey?: string;
  /** known_hosts file pinning the server's host key (StrictHostKeyChecking=yes). */
  readonly knownHosts?: string;
  /**
   * File holding an https token, read by a credential helper when git asks for it, and given only
   * for the URL's own https host (redirects are not followed).
   */
  readonly tokenFile?: string;
}

/** One fetch of one or more branches into a cache. */
export interface FetchRequest {
  readonly url: string;
  readonly branches: readonly string[];
  readonly cacheDir: string;
  /** Only the tips (`--depth=1`); false keeps history for ancestry and `verify = "all"`. */
  readonly shallow: boolean;
  readonly auth: GitAuth;
  /**
   * How long the whole fetch may take before git (and the helpers it started) are stopped and the
   * fetch fails `source-failed`; {@link FETCH_TIMEOUT_MS} when not set.
   */
  readonly timeoutMs?: number;
}

/** Default {@link FetchRequest.timeoutMs}: a server that never answers cannot hold hoist's lock. */
export const FETCH_TIMEOUT_MS = 60_000;

/** Timeout of git's local work on the cache (init, archive, ls-tree, merge-base, rev-list). */
export const LOCAL_TIMEOUT_MS = 120_000;

/** Reading and fetching repositories. */
export interface Git {
  /** Fetches the branches into the bare cache `cacheDir`; returns branch → commit id. */
  fetch(req: FetchRequest): Promise<Map<string, string>>;
  /** Reads folder `path` of `commit` (all of it when path is ""). */
  readTree(cacheDir: string, commit: string, path: string): Promise<RepoTree>;
  /** Names of the folders directly under `path` at `commit` (for "which hosts exist" hints). */
  listDirs(cacheDir: string, commit: string, path: string): Promise<string[]>;
  /** True when `ancestor` is `commit` or one of its ancestors (false when unknown to the cache). */
  isAncestor(cacheDir: string, ancestor: string, commit: string): Promise<boolean>;
  /** Commits reachable from `to` but not from `from`, oldest first. */
  newCommits(cacheDir: string, from: string, to: string): Promise<string[]>;
}

/** Environment that keeps git from prompting or reading the user's configuration. */
export const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: "0",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  LC_ALL: "C",
};

/** Largest folder (as a tar stream) hoist reads from a commit; bounds memory on small hosts. */
export const MAX_TREE_BYTES = 256 * 1024 * 1024;

/**
 * `$GIT_DIR/info/attributes` of every cache: these win over the repository's .gitattributes, so
 * `git archive` returns the committed bytes — no export-ignore (files silently dropped), no
 * export-subst or ident (content rewritten per commit), no eol conversion, no filter drivers.
 */
export const EXACT_ATTRIBUTES =
  "* -export-ignore -export-subst -ident -text -filter -working-tree-encoding\n";

/** Argv of reading folder `path` of `commit` as a tar stream (pure; exported for tests). */
export function archiveArgs(cacheDir: string, commit: string, path: string): string[] {
  const args = [
    "-C",
    cacheDir,
    "-c",
    "core.attributesFile=/dev/null",
    "-c",
    "core.autocrlf=false",
    "archive",
    "--format=tar",
    commit,
  ];
  if (path !== "") args.push("--", path);
  return args;
}

/** Where fetched branches are kept in the cache, so history stays reachable between runs. */
export function cacheRef(branch: string): string {
  return `refs/hoist/${branch}`;
}

/**
 * A credential helper that answers git's `get` with the token read from $HOIST_TOKEN_FILE at the
 * moment git asks, and only when git asks for `protocol=https` and `host=$HOIST_TOKEN_HOST` (the
 * configured server, port included as written in the URL): the token is never in argv or in an
 * environment value, and a server git is sent to elsewhere gets nothing.
 */
export const TOKEN_HELPER = [
  '!f() { test "$1" = get || exit 0; p=; h=;',
  'while IFS= read -r l; do case "$l" in',
  "protocol=*) p=${l#protocol=};; host=*) h=${l#host=};; esac; done;",
  'test "$p" = https && test -n "$HOIST_TOKEN_HOST" && test "$h" = "$HOIST_TOKEN_HOST" || exit 0;',
  "echo username=x-access-token;",
  `printf 'password=%s\\n' "$(cat "$HOIST_TOKEN_FILE")"; }; f`,
].join(" ");

/**
 * The host (and port, as written) a token may be sent to: that of an `https://` URL. Any other URL
 * with a token is refused (`config-invalid`): http:// would send it in clear text, and no other
 * transport uses it.
 *
 * @example
 * ```ts
 * tokenHost("https://git.example.com:8443/infra.git"); // "git.example.com:8443"
 * ```
 */
export function tokenHost(url: string): string {
  const m = /^https:\/\/([^/?#]+)/.exec(url);
  if (m !== null && !m[1]!.includes("@")) return m[1]!;
  const hint = "Use the server's https:// URL, or remove token_file";
  if (m !== null) {
    // (the URL is not repeated: what precedes @ may be a credential)
    throw new HoistError("config-invalid", "token_file is set but the URL holds a user name", hint);
  }
  throw new HoistError(
    "config-invalid",
    /^http:\/\//i.test(url)
      ? `token_file is set but ${url} is http://: the token would cross the network unencrypted`
      : `token_file is set but ${url} is not an https:// URL: the token is only ever sent over https`,
    hint,
  );
}

/**
 * Argv and environment of one fetch (pure; exported for tests). Throws `config-invalid` when a
 * token is set for a URL that is not https:// (see {@link tokenHost}).
 */
export function fetchCommand(
  req: FetchRequest,
  cacheIsShallow: boolean,
): { args: string[]; env: Record<string, string> } {
  // A redirect is an error, not followed: "initial" (git's default) would still let the first
  // request move the whole fetch, and the credential request, to another host.
  const args = ["-C", req.cacheDir, "-c", "http.followRedirects=false"];
  const env: Record<string, string> = { ...GIT_ENV };
  if (req.auth.tokenFile !== undefined) {
    args.push("-c", "credential.helper=", "-c", `credential.helper=${TOKEN_HELPER}`);
    env.HOIST_TOKEN_FILE = req.auth.tokenFile;
    env.HOIST_TOKEN_HOST = tokenHost(req.url);
  }
  if (req.auth.sshKey !== undefined || req.auth.knownHosts !== undefined) {
    const ssh = ["ssh", "-o", "BatchMode=yes"];
    if (req.auth.sshKey !== undefined) {
      ssh.push("-i", shellQuote(req.auth.sshKey), "-o", "IdentitiesOnly=yes");
    }
    if (req.auth.knownHosts !== undefined) {
      ssh.push(
        "-o",
        `UserKnownHostsFile=${shellQuote(req.auth.knownHosts)}`,
        "-o",
        "StrictHostKeyChecking=yes",
      );
    }
    env.GIT_SSH_COMMAND = ssh.join(" ");
  }
  args.push("fetch", "--quiet", "--no-tags");
  if (req.shallow) args.push("--depth=1");
  else if (cacheIsShallow) args.push("--unshallow");
  args.push("--", req.url, ...req.branches.map((b) => `+refs/heads/${b}:${cacheRef(b)}`));
  return { args, env };
}

/**
 * The lines of a failed fetch's stderr that say why: git's `fatal:`/`error:` lines and ssh's own
 * complaints, without blank lines or git's generic "Please make sure you have the correct access
 * rights" footer.
 */
export function fetchCause(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" &&
    !/^Please make sure you have the correct access rights|^and the repository exists\.?$/.test(l)
  );
  const telling = lines.filter((l) =>
    /^(fatal|error):|Host key verification failed|Permission denied|No such file|Could not resolve|Connection refused|unable to connect/i
      .test(l)
  );
  return (telling.length > 0 ? telling : lines).slice(-3).join("; ");
}

/**
 * The `source-failed` error of a fetch that exited non-zero, from git's stderr: a missing branch,
 * a redirect (never followed, see {@link fetchCommand}), refused credentials, or anything else.
 */
export function fetchError(url: string, code: number, stderr: string): HoistError {
  const missing = /couldn't find remote ref\s+(\S+)/i.exec(stderr);
  if (missing) {
    return new HoistError(
      "source-failed",
      `branch ${missing[1]!.replace(/^refs\/heads\//, "")} does not exist in ${url}`,
      "Check the branch names in the config",
    );
  }
  const redirect = /The requested URL returned error: (30[12378])\b/.exec(stderr);
  if (redirect) {
    const probe = `${url.replace(/\/+$/, "")}/info/refs?service=git-upload-pack`;
    return new HoistError(
      "source-failed",
      `cannot fetch ${url}: the server answered with a redirect (HTTP ${redirect[1]}), ` +
        "and hoist follows no redirects",
      `Set url to the address it redirects to (curl -sI '${probe}' shows the Location); ` +
        "a token only ever goes to the configured server; running services are left as they are",
    );
  }
  const auth =
    /Authentication failed|Permission denied|could not read Username|Host key verification failed/i
      .test(stderr);
  return new HoistError(
    "source-failed",
    `cannot fetch ${url}: ${fetchCause(stderr) || `git exit ${code}`}`,
    auth
      ? "Check ssh_key / ssh_known_hosts / token_file; running services are left as they are"
      : "Check the url and that this host can reach it; running services are left as they are",
  );
}

/** Single-quotes a path for GIT_SSH_COMMAND (run by a shell). */
function shellQuote(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}

/** branch → commit from a FETCH_HEAD file (`<sha>\t[not-for-merge]\tbranch 'main' of …`). */
export function parseFetchHead(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]{40,64})\t[^\t]*\tbranch '(.+)' of /.exec(line);
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

/** Creates the git adapter. */
export function createGit(
  run: Runner,
  fs: {
    exists(path: string): Promise<boolean>;
    readText(path: string): Promise<string | undefined>;
    writeAtomic(path: string, content: string, mode?: number): Promise<void>;
  },
): Git {
  const git = (args: string[], hint?: string) =>
    checked(run, { cmd: "git", args, env: GIT_ENV, timeoutMs: LOCAL_TIMEOUT_MS }, hint);
  return {
    async fetch(req) {
      // built first: a token for a URL that is not https:// is refused before anything runs
      const { args, env } = fetchCommand(req, await fs.exists(`${req.cacheDir}/shallow`));
      if (!(await fs.exists(`${req.cacheDir}/HEAD`))) {
        await git(["init", "--quiet", "--bare", req.cacheDir]);
      }
      const timeoutMs = req.timeoutMs ?? FETCH_TIMEOUT_MS;
      let result;
      try {
        result = await run({ cmd: "git", args, env, timeoutMs });
      } catch (e) {
        if (!(e instanceof CommandTimeout)) throw e;
        throw new HoistError(
          "source-failed",
          `cannot fetch ${req.url}: no answer within ${timeoutMs / 1000} s; stopped git fetch`,
          "Check that this host can reach the server and that it answers; running services are left as they are",
          { cause: e },
        );
      }
      if (result.code !== 0) throw fetchError(req.url, result.code, result.stderr);
      const heads = parseFetchHead((await fs.readText(`${req.cacheDir}/FETCH_HEAD`)) ?? "");
      for (const b of req.branches) {
        if (!heads.has(b)) {
          throw new HoistError(
            "source-failed",
            `git fetch did not report branch ${b} of ${req.url}`,
          );
        }
      }
      return heads;
    },
    async readTree(cacheDir, commit, path) {
      // The repository's .gitattributes (or a tampered cache) must not change the bytes read.
      if ((await fs.readText(`${cacheDir}/info/attributes`)) !== EXACT_ATTRIBUTES) {
        await fs.writeAtomic(`${cacheDir}/info/attributes`, EXACT_ATTRIBUTES);
      }
      const args = archiveArgs(cacheDir, commit, path);
      let result;
      try {
        result = await run({
          cmd: "git",
          args,
          env: GIT_ENV,
          maxStdout: MAX_TREE_BYTES,
          timeoutMs: LOCAL_TIMEOUT_MS,
        });
      } catch (e) {
        if (e instanceof HoistError && e.code === "output-too-large") {
          throw new HoistError(
            "source-failed",
            `${path || "the repository"} at ${commit.slice(0, 12)} is larger than ${
              MAX_TREE_BYTES / 1024 / 1024
            } MiB`,
            "Keep large data out of the repository; mount it from the host instead",
          );
        }
        throw e;
      }
      if (result.code !== 0) {
        if (/did not match any files/.test(result.stderr)) {
          return { revision: commit, entries: new Map() };
        }
        throw new CommandError({ cmd: "git", args }, result);
      }
      try {
        return { revision: commit, entries: await parseTar(result.stdout) };
      } catch (e) {
        if (e instanceof HoistError) throw e; // about the repository (a name), not the cache
        throw new HoistError(
          "source-failed",
          `git archive of ${path || "the repository"} at ${
            commit.slice(0, 12)
          } is not a readable tar: ${e instanceof Error ? e.message : String(e)}`,
          `Delete the cache ${cacheDir} so the next run fetches it anew; report it if it recurs`,
          { cause: e },
        );
      }
    },
    async listDirs(cacheDir, commit, path) {
      const spec = path === "" ? commit : `${commit}:${path}`;
      const result = await run({
        cmd: "git",
        args: ["-C", cacheDir, "ls-tree", "-d", "--name-only", spec],
        env: GIT_ENV,
        timeoutMs: LOCAL_TIMEOUT_MS,
      });
      if (result.code !== 0) return [];
      return new TextDecoder().decode(result.stdout).split("\n").filter((l) => l !== "");
    },
    async isAncestor(cacheDir, ancestor, commit) {
      const r = await run({
        cmd: "git",
        args: ["-C", cacheDir, "merge-base", "--is-ancestor", ancestor, commit],
        env: GIT_ENV,
        timeoutMs: LOCAL_TIMEOUT_MS,
      });
      return r.code === 0;
    },
    async newCommits(cacheDir, from, to) {
      const r = await git(["-C", cacheDir, "rev-list", "--reverse", `${from}..${to}`]);
      return new TextDecoder().decode(r.stdout).split("\n").filter((l) => l !== "");
    },
  };
}
