/**
 * Integration test helpers: temporary git repositories, agent configs, a CLI harness and a
 * FAKE of podman + systemd (see {@link createFakeHost}).
 *
 * Everything here works in temporary folders; {@link withTempDir} removes them afterwards.
 *
 * @module
 */
import { splitWords } from "../../lib/desired/labels.ts";
import { fileURLToPath } from "node:url";
import { QUADLET_PATHS } from "../../lib/adapters/quadlet.ts";
import {
  type CommandResult,
  type CommandSpec,
  createRunner,
  type Runner,
} from "../../lib/adapters/run_command.ts";
import { countingRunner } from "../support/counting_runner.ts";
import type { CliIo } from "../../lib/cli/context.ts";
import { runCli } from "../../lib/cli/program.ts";
import { buildDeps } from "../../lib/deps.ts";
import type { RepoEntry, RepoTree } from "../../lib/desired/types.ts";

/** The project's root folder. */
export const ROOT: string = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/** The bundled example repository (holds `gitops/demo-host`). */
export const EXAMPLE_REPO = `${ROOT}/examples/homelab`;

/** Host folder name of the bundled example. */
export const EXAMPLE_HOST = "demo-host";

/** The real quadlet generator, or undefined where it is not installed. */
export const QUADLET_BIN: string | undefined = QUADLET_PATHS.find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** Why generator-dependent tests are skipped, printed once per file by {@link skipWithoutQuadlet}. */
export const NO_QUADLET = `quadlet generator not found at ${
  QUADLET_PATHS.join(" or ")
}: skipping tests that need it (install it with scripts/install_quadlet.sh)`;

/** True when `HOIST_E2E=required` (what `.ci/run` sets): a missing tool fails the tests. */
export const E2E_REQUIRED: boolean = Deno.env.get("HOIST_E2E") === "required";

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

/** Path (relative to the repository root) → file. `null` deletes the file (in commits). */
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

/** A host folder with `n` plain container services `s001…`, each with a manifest and a file. */
export function generatedServices(
  n: number,
  host = EXAMPLE_HOST,
  root = "gitops",
): Record<string, string> {
  const names = Array.from({ length: n }, (_, i) => `s${String(i + 1).padStart(3, "0")}`);
  const files: Record<string, string> = {
    [`${root}/${host}/config.yml`]: `services:\n${names.map((s) => `  ${s}: {}\n`).join("")}`,
  };
  for (const [i, s] of names.entries()) {
    files[`${root}/${host}/${s}/manifest.yml`] = `Container:
  Image: docker.io/library/busybox:1.36
  Exec: httpd -f -p ${8000 + i} -h /www
  Volume: "\${SERVICE_DIR}/index.html:/www/index.html:ro,z"
  Environment:
    - SERVICE=${s}
    - INDEX=${i}
`;
    files[`${root}/${host}/${s}/index.html`] = `<h1>${s}</h1>\n`;
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
// FAKE podman + systemd

/** A container in the fake podman. */
export interface FakeContainer {
  readonly id: string;
  readonly name: string;
  readonly unit: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startedAt: number;
}

/** What the fake systemd generated for one unit at the last daemon-reload. */
interface GeneratedUnit {
  /** Units pulled in by Requires=/BindsTo= (must exist) and Wants= (may be missing). */
  readonly needs: readonly string[];
  readonly requires: readonly string[];
  /** For container units: the `podman run` labels and name. */
  readonly run?: { readonly name: string; readonly labels: Record<string, string> };
}

/** Something the fake systemd did, with the quadlet files on disk at that moment. */
export interface HostEvent {
  /** `daemon-reload`, `start`, `restart` or `stop`. */
  readonly op: string;
  readonly units: readonly string[];
  /** Files under quadlet_dir (relative paths, sorted) when it happened. */
  readonly files: readonly string[];
}

/**
 * The FAKE host: a {@link Runner} for hoist's adapters, plus what it recorded.
 *
 * podman and systemd cannot run on these machines; real ones come in issue 4.
 */
export interface FakeHost {
  /** Hand this to `buildDeps(config, run)`. */
  readonly run: Runner;
  /** Every command hoist spawned, in order (from `countingRunner`). */
  readonly calls: CommandSpec[];
  /** What the fake systemd did, in order. */
  readonly events: HostEvent[];
  /** Units whose start fails (as if the container exited at once). */
  readonly failStart: Set<string>;
  /** `git fetch`, `podman ps`, `systemctl show`, `bash`, `quadlet`… for each recorded call. */
  commands(): string[];
  /** Forgets the recorded calls and events (the host state stays). */
  clear(): void;
  /** systemd's view of `unit`. */
  unit(unit: string): { load: string; active: string };
  /** Containers podman would list, sorted by unit. */
  containers(): FakeContainer[];
  /** The container run by `unit`, if any. */
  container(unit: string): FakeContainer | undefined;
}

/** Short name of a recorded command: program plus sub-command (`git fetch`, `systemctl show`). */
export function describeCommand(spec: CommandSpec): string {
  const prog = spec.cmd.split("/").pop()!;
  if (prog === "bash" || prog === "quadlet") return prog;
  for (let i = 0; i < spec.args.length; i++) {
    const a = spec.args[i]!;
    if (a === "-C" || a === "-c") i++; // git's -C DIR and -c KEY=VALUE take a value
    else if (!a.startsWith("-")) return `${prog} ${a}`;
  }
  return prog;
}

/**
 * Creates a FAKE of podman + systemd for one host (user mode). podman and systemd cannot run on
 * these machines (real ones come in issue 4), so this answers `podman ps …` and
 * `systemctl --user show/daemon-reload/start/restart/stop …` from an in-memory model that
 * behaves as they would:
 *
 * - `daemon-reload` runs the REAL quadlet generator (`-dryrun`) over `quadletDir`, as systemd's
 *   generator step does; only units it generates become `loaded`, and start/restart use the
 *   units generated at the last reload (so a missing reload is visible);
 * - `start`/`restart` activate a unit and what it Requires/Wants; for container units a
 *   container appears with the `--label`s of the generated `podman run` (gitops-service,
 *   gitops-hash from the unit file) and PODMAN_SYSTEMD_UNIT, as podman would set;
 * - `stop` deactivates the unit and what requires it; its container goes away (`--rm`).
 *
 * `git`, `bash` and the quadlet binary run for real through `createRunner()`; bash gets
 * `HOME=home` so scripts cannot touch the real home folder. Every spawned command is recorded.
 */
export function createFakeHost(opts: {
  readonly quadletDir: string;
  readonly home: string;
  readonly quadletBin?: string | undefined;
}): FakeHost {
  const real = createRunner();
  const quadletBin = opts.quadletBin ?? QUADLET_BIN;
  let generated = new Map<string, GeneratedUnit>();
  const active = new Map<string, "active" | "failed">();
  const containers = new Map<string, FakeContainer>();
  const events: HostEvent[] = [];
  const failStart = new Set<string>();
  let serial = 0;

  const enc = new TextEncoder();
  const ok = (stdout = ""): CommandResult => ({ code: 0, stdout: enc.encode(stdout), stderr: "" });
  const fail = (code: number, stderr: string): CommandResult => ({
    code,
    stdout: new Uint8Array(),
    stderr,
  });

  const listQuadletFiles = async (): Promise<string[]> => {
    try {
      return Object.keys(await readFilesUnder(opts.quadletDir));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
  };

  const daemonReload = async () => {
    if (quadletBin === undefined) throw new Error("the fake host needs the quadlet generator");
    // systemd's own generator run: not a command hoist spawns, so it is not recorded.
    const r = await real({
      cmd: quadletBin,
      args: ["-dryrun", "-no-kmsg-log", "-user"],
      env: { QUADLET_UNIT_DIRS: opts.quadletDir },
    });
    generated = parseGenerated(new TextDecoder().decode(r.stdout));
  };

  const activate = (unit: string, seen: Set<string>): string | undefined => {
    if (seen.has(unit)) return;
    seen.add(unit);
    const g = generated.get(unit);
    if (!g) return `Unit ${unit} not found.`;
    for (const dep of g.needs) {
      // A Wants= on a unit quadlet did not generate (podman-user-wait-network-online.service)
      // is ignored, as systemd does; a Requires= on a missing unit fails the start.
      if (!generated.has(dep) && !g.requires.includes(dep)) continue;
      const err = activate(dep, seen);
      if (err) return `${unit} requires ${dep}: ${err}`;
    }
    if (active.get(unit) === "active") return;
    if (failStart.has(unit)) {
      active.set(unit, "failed");
      return `Job for ${unit} failed because the control process exited with error code.`;
    }
    active.set(unit, "active");
    if (g.run) {
      serial++;
      containers.set(unit, {
        id: serial.toString(16).padStart(12, "0"),
        name: g.run.name,
        unit,
        labels: { ...g.run.labels, PODMAN_SYSTEMD_UNIT: unit },
        startedAt: 1_700_000_000 + serial,
      });
    }
  };

  const deactivate = (unit: string) => {
    if (!active.has(unit)) return;
    active.delete(unit);
    containers.delete(unit);
    // Requires=/BindsTo= propagate a stop to the units that require `unit` (Wants= does not).
    for (const [other, g] of generated) {
      if (active.has(other) && g.requires.includes(unit)) deactivate(other);
    }
  };

  const dependents = (unit: string, acc: string[] = []): string[] => {
    for (const [other, g] of generated) {
      if (active.has(other) && g.requires.includes(unit) && !acc.includes(other)) {
        acc.push(other);
        dependents(other, acc);
      }
    }
    return acc;
  };

  const systemctl = async (args: readonly string[]): Promise<CommandResult> => {
    if (args[0] !== "--user") return fail(1, "fake systemctl: expected --user (mode user)");
    const verb = args[1];
    const dash = args.indexOf("--");
    const units = dash < 0 ? [] : args.slice(dash + 1);
    if (verb !== "show") {
      events.push({ op: verb ?? "", units, files: await listQuadletFiles() });
    }
    switch (verb) {
      case "show": {
        const blocks = units.map((u) => {
          const load = generated.has(u) ? "loaded" : "not-found";
          const state = active.get(u) ?? "inactive";
          const sub = state === "active" ? "running" : state === "failed" ? "failed" : "dead";
          return `Id=${u}\nLoadState=${load}\nActiveState=${state}\nSubState=${sub}\n`;
        });
        return ok(blocks.join("\n"));
      }
      case "daemon-reload":
        await daemonReload();
        return ok();
      case "start":
      case "restart": {
        const errors: string[] = [];
        for (const u of units) {
          // Requires= propagates a restart to the active units that require `u`.
          const again = verb === "restart" && generated.has(u) ? dependents(u) : [];
          if (verb === "restart") deactivate(u);
          const err = activate(u, new Set());
          if (err) errors.push(`Failed to ${verb} ${u}: ${err}`);
          else for (const d of again) activate(d, new Set());
        }
        return errors.length === 0 ? ok() : fail(5, errors.join("\n") + "\n");
      }
      case "stop":
        for (const u of units) deactivate(u);
        return ok();
      default:
        return fail(1, `fake systemctl: unsupported command ${args.join(" ")}`);
    }
  };

  const podman = (args: readonly string[]): CommandResult => {
    if (args[0] !== "ps" || !args.includes("-a") || !args.includes("json")) {
      return fail(125, `fake podman: unsupported command ${args.join(" ")}`);
    }
    const filters = args.flatMap((a, i) => (args[i - 1] === "--filter" ? [a] : []));
    const rows = [...containers.values()]
      .filter((c) =>
        filters.every((f) => {
          const m = /^label=([^=]+)(?:=(.*))?$/.exec(f);
          if (!m) return true;
          const v = c.labels[m[1]!];
          return v !== undefined && (m[2] === undefined || v === m[2]);
        })
      )
      .map((c) => ({
        Id: c.id.padEnd(64, "0"),
        Names: [c.name],
        State: "running",
        Labels: c.labels,
        StartedAt: c.startedAt,
        Image: "docker.io/library/busybox:1.36",
      }));
    return ok(JSON.stringify(rows, null, 2));
  };

  const dispatch: Runner = (spec) => {
    const prog = spec.cmd.split("/").pop();
    if (
      prog === "git" || prog === "gpg" || prog === "ssh-keygen" || prog === "sops" ||
      spec.cmd === quadletBin
    ) {
      return real(spec);
    }
    if (prog === "bash") return real({ ...spec, env: { ...spec.env, HOME: opts.home } });
    if (prog === "systemctl") return systemctl(spec.args);
    if (prog === "podman") return Promise.resolve(podman(spec.args));
    return Promise.resolve(fail(127, `fake host: unexpected command ${spec.cmd}`));
  };
  const counted = countingRunner(dispatch);

  return {
    run: counted.run,
    calls: counted.calls,
    events,
    failStart,
    commands: () => counted.calls.map(describeCommand),
    clear() {
      counted.calls.length = 0;
      events.length = 0;
    },
    unit: (u) => ({
      load: generated.has(u) ? "loaded" : "not-found",
      active: active.get(u) ?? "inactive",
    }),
    containers: () => [...containers.values()].sort((a, b) => (a.unit < b.unit ? -1 : 1)),
    container: (u) => containers.get(u),
  };
}

/** Parses `quadlet -dryrun` output (`---name.service---` blocks) into what the fake needs. */
function parseGenerated(stdout: string): Map<string, GeneratedUnit> {
  const out = new Map<string, GeneratedUnit>();
  const parts = stdout.split(/^---(.+)---$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const unit = parts[i]!.trim();
    const body = parts[i + 1]!;
    const list = (keys: string) =>
      [...body.matchAll(new RegExp(`^(?:${keys})=(.*)$`, "gm"))]
        .flatMap((m) => m[1]!.trim().split(/\s+/)).filter((u) => u !== "");
    const requires = list("Requires|BindsTo");
    const needs = [...requires, ...list("Wants")];
    const exec = /^ExecStart=\S*podman run (.*)$/m.exec(body)?.[1];
    let run: GeneratedUnit["run"];
    if (exec !== undefined) {
      const words = splitWords(exec);
      const labels: Record<string, string> = {};
      let name = `systemd-${unit.replace(/\.service$/, "")}`;
      for (let w = 0; w < words.length; w++) {
        if (words[w] === "--label") {
          const kv = words[++w] ?? "";
          const eq = kv.indexOf("=");
          if (eq > 0) labels[kv.slice(0, eq)] = kv.slice(eq + 1);
        } else if (words[w] === "--name") {
          name = (words[++w] ?? name).replaceAll("%N", unit.replace(/\.service$/, ""));
        }
      }
      run = { name, labels };
    }
    out.set(unit, run ? { needs, requires, run } : { needs, requires });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A host: repository + config + fake podman/systemd + CLI harness

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

/** A test host: a repository, a config pointing at it, the fake host and `hoist` itself. */
export interface TestHost {
  readonly dir: string;
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
    dir,
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
