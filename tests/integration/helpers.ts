/**
 * Integration test helpers: skip gates for missing tools, temporary folders and git
 * repositories, agent configs, and a CLI harness ({@link makeHost}) that runs hoist against the
 * FAKE podman + systemd of tests/support/fake_host.ts.
 *
 * Everything here works in temporary folders; {@link withTempDir} removes them afterwards.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { QUADLET_PATHS } from "../../lib/adapters/quadlet.ts";
import { createFakeHost, type FakeHost, QUADLET_BIN } from "../support/fake_host.ts";
import type { CliIo } from "../../lib/cli/context.ts";
import { runCli } from "../../lib/cli/program.ts";
import type { Runner } from "../../lib/adapters/run_command.ts";
import { buildDeps } from "../../lib/deps.ts";
import type { RepoEntry, RepoTree } from "../../lib/desired/types.ts";

/** The project's root folder. */
export const ROOT: string = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/** The bundled example repository (holds `gitops/demo-host`). */
export const EXAMPLE_REPO = `${ROOT}/examples/homelab`;

/** Host folder name of the bundled example. */
export const EXAMPLE_HOST = "demo-host";

/** The real quadlet generator (found by tests/support/fake_host.ts), or undefined. */
export { QUADLET_BIN };

/** Why generator-dependent tests are skipped, printed by {@link skipWithoutQuadlet}. */
const NO_QUADLET = `quadlet generator not found at ${
  QUADLET_PATHS.join(" or ")
}: skipping tests that need it (install it with scripts/install_quadlet.sh)`;

/** True when `HOIST_E2E=required` (what `.ci/run` sets): a missing tool fails the tests. */
const E2E_REQUIRED: boolean = Deno.env.get("HOIST_E2E") === "required";

/**
 * The skip gate for tests that need a tool: false when `why` is undefined (the tool is there);
 * otherwise prints `why` (one line) and returns true, for `ignore:` — unless `required` (default:
 * {@link E2E_REQUIRED}), where a missing tool is a failure and this throws.
 */
export function skipUnless(why: string | undefined, required = E2E_REQUIRED): boolean {
  if (why === undefined) return false;
  if (required) throw new Error(`HOIST_E2E=required but ${why}`);
  console.log(why);
  return true;
}

/**
 * True (and prints one line saying why) when the generator is missing; use as `ignore:`.
 * Throws instead when HOIST_E2E=required (see {@link skipUnless}).
 */
export function skipWithoutQuadlet(): boolean {
  return skipUnless(QUADLET_BIN === undefined ? NO_QUADLET : undefined);
}

// ---------------------------------------------------------------------------------------------
// Temporary folders and files

/** Runs `fn` in a fresh temporary folder and removes the folder afterwards, whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "hoist-it-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** A file to put in a repository: text, or a symlink to `symlink`. */
export type RepoFile = string | { readonly symlink: string };

/** Path (relative to the repository root) → file. */
export type RepoFiles = Record<string, RepoFile>;

/** Writes `files` under `dir`, creating folders; `null` removes a file. */
export async function writeFiles(
  dir: string,
  files: Readonly<Record<string, RepoFile | null>>,
): Promise<void> {
  for (const [path, file] of Object.entries(files)) {
    const full = `${dir}/${path}`;
    await Deno.remove(full).catch(() => {});
    if (file === null) continue;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    if (typeof file === "string") await Deno.writeTextFile(full, file);
    else await Deno.symlink(file.symlink, full);
  }
}

/** Every file under `dir` (recursively, `.git` skipped) as path → text. */
export async function readFilesUnder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel === "" ? dir : `${dir}/${rel}`)) {
      if (e.name === ".git") continue;
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.isFile) out[path] = await Deno.readTextFile(`${dir}/${path}`);
    }
  };
  await walk("");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The bundled example repository's files (path → text), to copy into a test repository. */
export function exampleFiles(): Promise<Record<string, string>> {
  return readFilesUnder(EXAMPLE_REPO);
}

/** The example's host folder with `n` container services `s001…`, each a manifest and a file. */
export function generatedServices(n: number): Record<string, string> {
  const folder = `gitops/${EXAMPLE_HOST}`;
  const names = Array.from({ length: n }, (_, i) => `s${String(i + 1).padStart(3, "0")}`);
  const files: Record<string, string> = {
    [`${folder}/config.yml`]: `services:\n${names.map((s) => `  ${s}: {}\n`).join("")}`,
  };
  for (const [i, s] of names.entries()) {
    files[`${folder}/${s}/manifest.yml`] = `Container:
  Image: docker.io/library/busybox:1.36
  Exec: httpd -f -p ${8000 + i} -h /www
  Volume: "\${SERVICE_DIR}/index.html:/www/index.html:ro,z"
  Environment:
    - SERVICE=${s}
    - INDEX=${i}
`;
    files[`${folder}/${s}/index.html`] = `<h1>${s}</h1>\n`;
  }
  return files;
}

/** An in-memory {@link RepoTree} from path → text, with a `dir` entry for every parent folder. */
export function memTree(files: Readonly<Record<string, string>>, revision = "mem"): RepoTree {
  const entries = new Map<string, RepoEntry>();
  const enc = new TextEncoder();
  for (const [path, text] of Object.entries(files)) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      entries.set(parts.slice(0, i).join("/"), { kind: "dir" });
    }
    entries.set(path, { kind: "file", data: enc.encode(text) });
  }
  return { revision, entries };
}

// ---------------------------------------------------------------------------------------------
// git

/** Keeps git away from the user's and the system's configuration. */
const GIT_ENV = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };

/** Runs git in `cwd`; throws with git's stderr on failure; returns stdout. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-C", cwd, ...args],
    env: GIT_ENV,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")} failed (exit ${out.code}): ${dec.decode(out.stderr)}`);
  }
  return dec.decode(out.stdout);
}

/** A git repository in a temporary folder, on branch main. */
export interface TestRepo {
  /** Its folder (usable as `[source] url`). */
  readonly path: string;
  /** Writes `files` (`null` deletes one), commits everything, and returns the new commit id. */
  commit(files: Readonly<Record<string, RepoFile | null>>, message?: string): Promise<string>;
  /** The commit id of HEAD. */
  head(): Promise<string>;
}

/** Creates a repository at `path` holding `files` in one commit on branch main. */
export async function makeRepo(path: string, files: RepoFiles): Promise<TestRepo> {
  await Deno.mkdir(path, { recursive: true });
  await git(path, "init", "--quiet", "-b", "main");
  const repo: TestRepo = {
    path,
    async commit(changes, message = "change") {
      await writeFiles(path, changes);
      await git(path, "add", "--all", ".");
      await git(
        path,
        "-c",
        "user.name=hoist tests",
        "-c",
        "user.email=tests@example.invalid",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "--quiet",
        "--allow-empty",
        "-m",
        message,
      );
      return await repo.head();
    },
    async head() {
      return (await git(path, "rev-parse", "HEAD")).trim();
    },
  };
  await repo.commit(files, "initial");
  return repo;
}

// ---------------------------------------------------------------------------------------------
// A host: repository + config + the fake podman/systemd + CLI harness

/** What one `runCli` call printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Captures a CLI run's output; `ctx` points HOME into the test folder. */
export function captureIo(
  home: string,
): { io: CliIo; take(): { out: string; err: string } } {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    color: false,
    ctx: { hostname: "test-machine", uid: 1000, home, env: {} },
    async readFile(path) {
      try {
        return await Deno.readTextFile(path);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
    },
  };
  return {
    io,
    take() {
      const r = { out, err };
      out = "";
      err = "";
      return r;
    },
  };
}

/**
 * Runs `hoist ARGV` in this process as this machine's uid, with HOME at `home`, the hostname given
 * and PATH passed on: the real adapters, or `run` (a fake host's runner) in their place.
 */
export async function hostCli(
  home: string,
  argv: readonly string[],
  opts: { readonly hostname?: string; readonly run?: Runner } = {},
): Promise<CliRun> {
  const capture = captureIo(home);
  const io: CliIo = {
    ...capture.io,
    ctx: {
      hostname: opts.hostname ?? "pi",
      uid: Deno.uid() ?? 0,
      home,
      env: { PATH: Deno.env.get("PATH") ?? "" },
    },
  };
  const code = await runCli(argv, io, (c) => buildDeps(c, opts.run));
  return { code, ...capture.take() };
}

/** A test host: a repository, a config pointing at it, the fake host and `hoist` itself. */
export interface TestHost {
  readonly repo: TestRepo;
  readonly configPath: string;
  readonly quadletDir: string;
  readonly stateDir: string;
  readonly home: string;
  readonly fake: FakeHost;
  /** Runs `hoist --config <configPath> ...argv` with the fake host. */
  cli(...argv: string[]): Promise<CliRun>;
  /** Runs `hoist ...argv` as given (no --config added). */
  rawCli(...argv: string[]): Promise<CliRun>;
  /** Files under quadlet_dir: relative path → text. */
  quadletFiles(): Promise<Record<string, string>>;
}

/** Writes an agent config for `host` reading `repoPath`, with quadlet/state dirs under `dir`. */
export async function writeConfig(
  dir: string,
  repoPath: string,
  host = EXAMPLE_HOST,
  extra = "",
): Promise<{ configPath: string; quadletDir: string; stateDir: string }> {
  const configPath = `${dir}/config.toml`;
  const quadletDir = `${dir}/quadlets`;
  const stateDir = `${dir}/state`;
  await Deno.writeTextFile(
    configPath,
    `host = "${host}"
mode = "user"
quadlet_dir = "${quadletDir}"
state_dir = "${stateDir}"
${extra}
[source]
url = "${repoPath}"
branch = "main"
path = "gitops"
${/^\[trust\]/m.test(extra) ? "" : "\n[trust]\nrequire_signed = false\n"}`,
  );
  return { configPath, quadletDir, stateDir };
}

/** Sets up a {@link TestHost} in `dir` whose repository starts with `files`. */
export async function makeHost(
  dir: string,
  files: RepoFiles,
  host = EXAMPLE_HOST,
): Promise<TestHost> {
  const repo = await makeRepo(`${dir}/repo`, files);
  const home = `${dir}/home`;
  await Deno.mkdir(home, { recursive: true });
  const { configPath, quadletDir, stateDir } = await writeConfig(dir, repo.path, host);
  const fake = createFakeHost({ quadletDir, home });
  const capture = captureIo(home);
  const rawCli = async (...argv: string[]): Promise<CliRun> => {
    capture.take();
    const code = await runCli(argv, capture.io, (c) => buildDeps(c, fake.run));
    return { code, ...capture.take() };
  };
  return {
    repo,
    configPath,
    quadletDir,
    stateDir,
    home,
    fake,
    rawCli,
    cli: (...argv) => rawCli("--config", configPath, ...argv),
    async quadletFiles() {
      try {
        return await readFilesUnder(quadletDir);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return {};
        throw e;
      }
    },
  };
}

/** Pretty message for assertion failures: the CLI's output. */
export function show(run: CliRun): string {
  return `exit ${run.code}\n--- stdout\n${run.out}\n--- stderr\n${run.err}`;
}
