/**
 * End-to-end harness: runs hoist inside the real systemd + podman namespace that
 * tests/e2e/setup.sh boots (E2E_MODE=trixie: podman 5.4, systemd 257), as the rootless user
 * (`systemctl --user`) or as root.
 *
 * Locally the e2e tests are skipped with one line when the namespace is not up; with
 * HOIST_E2E=required (what .ci/run sets) a missing namespace is a failure.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";

/** The project checkout (bound into the namespace by setup.sh). */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
/** Where the deno binary and a DENO_DIR readable by the test user live (host /opt is bound). */
export const E2E_OPT = "/opt/hoist-e2e";
/** hoist's source as run inside (main.ts, lib/, deno.json, deno.lock). */
const SRC = `${E2E_OPT}/src`;
export const IN_SYSTEMD = "/usr/local/bin/in-systemd";
export const E2E_USER = "e2e";
export const IMAGE = "localhost/busybox:latest";

/** Who runs hoist: the rootless test user or root. */
export type Who = "user" | "system";

/** Output of one command. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a host command, capturing output. */
export async function sh(
  cmd: string,
  args: string[],
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(opts.env ? { env: opts.env } : {}),
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs `args` inside the namespace as the test user or root. */
export function inside(who: Who, args: string[], stdin?: string): Promise<Run> {
  const as = who === "user" ? ["-u", E2E_USER] : [];
  return sh(IN_SYSTEMD, [...as, ...args], stdin === undefined ? {} : { stdin });
}

/** Like {@link inside} but throws with the output when the command fails. */
export async function insideOk(who: Who, args: string[], stdin?: string): Promise<string> {
  const r = await inside(who, args, stdin);
  if (r.code !== 0) throw new Error(`${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Why the e2e namespace cannot be used, or undefined when it can. */
export async function unavailable(): Promise<string | undefined> {
  try {
    await Deno.stat(IN_SYSTEMD);
  } catch {
    return `${IN_SYSTEMD} is missing (run: sudo E2E_MODE=trixie bash tests/e2e/setup.sh)`;
  }
  if (Deno.uid() !== 0) return "the e2e tests must run as root";
  const r = await sh(IN_SYSTEMD, ["systemctl", "is-system-running"]).catch(() => undefined);
  const state = r?.stdout.trim();
  if (state !== "running" && state !== "degraded") {
    return `the e2e systemd is not running (${state ?? "?"})`;
  }
  const v = await sh(IN_SYSTEMD, ["podman", "version", "--format", "{{.Client.Version}}"]);
  if (!/^5\./.test(v.stdout.trim())) {
    return `podman 5 needed inside the namespace (E2E_MODE=trixie), got ${v.stdout.trim()}`;
  }
  return undefined;
}

/**
 * Whether a test file's e2e tests run: `ignore` when the namespace is absent and HOIST_E2E is not
 * "required" (printing one line saying why); `why` is set when it is absent.
 */
export async function e2eGate(): Promise<{ ignore: boolean; why: string | undefined }> {
  const why = await unavailable();
  const required = Deno.env.get("HOIST_E2E") === "required";
  if (why !== undefined && !required) console.log(`e2e tests skipped: ${why}`);
  return { ignore: why !== undefined && !required, why };
}

let prepared: Promise<void> | undefined;

/**
 * Makes hoist runnable inside: the deno binary and a DENO_DIR holding hoist's npm packages, both
 * readable by the test user, and /usr/local/bin/hoist (a wrapper, as the compiled binary would be).
 *
 * Test files run in parallel (`deno test --parallel`: workers of one process, or processes) and
 * each calls this, so it is safe across both and from cold: it holds an exclusive lock on
 * `E2E_OPT/.prepare.lock` throughout (flock: it excludes other workers of the same process too),
 * leaves alone what is already in place, and writes everything else to a temp name renamed into
 * place, so a hoist another test file is running never sees a half-written file. The source is
 * copied to `src-<digest>` and cached there before that appears; `src` is a symlink to it,
 * swapped atomically.
 */
export function prepare(): Promise<void> {
  prepared ??= withLock(`${E2E_OPT}/.prepare.lock`, async () => {
    for (const dir of ["deno-dir", "bin", "repos"]) {
      await Deno.mkdir(`${E2E_OPT}/${dir}`, { recursive: true });
    }
    await Deno.chmod(E2E_OPT, 0o755);
    await removeLeftovers([E2E_OPT, `${E2E_OPT}/bin`]);
    const deno = await denoIdentity();
    await installFile(Deno.execPath(), `${E2E_OPT}/deno`, deno);
    // the sops TEST STAND-IN (tests/support/sops): sops has no Debian package
    await installFile(`${ROOT}/tests/support/sops`, `${E2E_OPT}/bin/sops`);
    await installSource(`src-${await sourceDigest(deno)}`);
    const wrapper = `#!/bin/sh
# e2e stand-in for the compiled binary: the same code under deno run
exec env DENO_DIR=${E2E_OPT}/deno-dir NO_COLOR=1 ${E2E_OPT}/deno run --allow-all --cached-only --config ${SRC}/deno.json ${SRC}/main.ts "$@"
`;
    await insideOk("system", [
      "sh",
      "-c",
      'set -e; t="$1.tmp.$$"; cat > "$t"; if cmp -s "$t" "$1"; then rm "$t"; ' +
      'else chmod 755 "$t"; mv -f "$t" "$1"; fi',
      "install-wrapper",
      "/usr/local/bin/hoist",
    ], wrapper);
  });
  return prepared;
}

/** Runs `fn` holding an exclusive lock on `path` (released when the file closes or the process ends). */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const file = await Deno.open(path, { write: true, create: true });
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close();
  }
}

/** Temp files of a preparer that died (no live one is writing any: the caller holds the lock). */
async function removeLeftovers(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    for await (const e of Deno.readDir(dir)) {
      if (/\.tmp(\.\d+)?$/.test(e.name)) await Deno.remove(`${dir}/${e.name}`, { recursive: true });
    }
  }
}

/** Identifies the running deno binary without reading its 100 MB. */
async function denoIdentity(): Promise<string> {
  const st = await Deno.stat(Deno.execPath());
  return `${Deno.version.deno} ${Deno.execPath()} ${st.ino} ${st.size} ${st.mtime?.getTime()}\n`;
}

/**
 * Copies `from` to `to` with mode 0755 unless `to` already is it: by `stamp` (kept in `to.id`)
 * when one is given, else by content.
 */
async function installFile(from: string, to: string, stamp?: string): Promise<void> {
  const read = (p: string) => Deno.readTextFile(p).catch(() => undefined);
  const same = stamp === undefined
    ? await read(to) === await read(from)
    : await read(`${to}.id`) === stamp && await Deno.stat(to).then(() => true, () => false);
  if (same) return;
  const tmp = `${to}.tmp.${Deno.pid}`;
  await Deno.copyFile(from, tmp);
  await Deno.chmod(tmp, 0o755);
  await Deno.rename(tmp, to);
  if (stamp !== undefined) await Deno.writeTextFile(`${to}.id`, stamp);
}

/** What hoist runs inside: these files and folders of the checkout. */
const SOURCE = ["main.ts", "lib", "deno.json", "deno.lock"];

/** A digest of the source (paths and contents) and of the deno that caches and runs it. */
async function sourceDigest(deno: string): Promise<string> {
  const parts = [deno];
  const walk = async (rel: string): Promise<void> => {
    if ((await Deno.stat(`${ROOT}/${rel}`)).isDirectory) {
      const names = await Array.fromAsync(Deno.readDir(`${ROOT}/${rel}`), (e) => e.name);
      for (const name of names.sort()) await walk(`${rel}/${name}`);
    } else parts.push(`${rel}\0${await Deno.readTextFile(`${ROOT}/${rel}`)}\0`);
  };
  for (const rel of SOURCE) await walk(rel);
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("")));
  return Array.from(new Uint8Array(hash, 0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Points `SRC` at `E2E_OPT/name`, a copy of the source the test user can read wherever the checkout
 * is (/root is 0700), its npm packages cached in the DENO_DIR. A copy `SRC` stopped pointing at
 * is removed an hour later (a hoist may still be running from it).
 */
async function installSource(name: string): Promise<void> {
  const dir = `${E2E_OPT}/${name}`;
  if (!(await Deno.stat(dir).then(() => true, () => false))) {
    const tmp = `${dir}.tmp.${Deno.pid}`;
    await Deno.mkdir(tmp);
    const copy = await sh("cp", ["-r", ...SOURCE.map((f) => `${ROOT}/${f}`), `${tmp}/`]);
    if (copy.code !== 0) throw new Error(`copying the source failed: ${copy.stderr}`);
    const cache = await sh(Deno.execPath(), ["cache", `${tmp}/main.ts`], {
      env: { DENO_DIR: `${E2E_OPT}/deno-dir` },
    });
    if (cache.code !== 0) throw new Error(`deno cache failed: ${cache.stderr}`);
    // (only what hoist runs: repositories under E2E_OPT keep their own modes)
    const chmod = await sh("chmod", ["-R", "a+rX", tmp, `${E2E_OPT}/deno-dir`]);
    if (chmod.code !== 0) throw new Error(`chmod failed: ${chmod.stderr}`);
    await Deno.rename(tmp, dir);
  }
  const current = await Deno.lstat(SRC).catch(() => undefined);
  // before the symlink, `src` was a folder
  if (current?.isDirectory) await Deno.remove(SRC, { recursive: true });
  const previous = current?.isSymlink ? await Deno.readLink(SRC) : undefined;
  if (previous !== name) {
    const link = `${SRC}.tmp.${Deno.pid}`;
    await Deno.symlink(name, link);
    await Deno.rename(link, SRC);
    // the mtime of a retired copy says when it was retired
    if (previous !== undefined) {
      await Deno.utime(`${E2E_OPT}/${previous}`, new Date(), new Date()).catch(() => {});
    }
  }
  const hourAgo = Date.now() - 3600_000;
  for await (const e of Deno.readDir(E2E_OPT)) {
    if (!/^src-[0-9a-f]+$/.test(e.name) || e.name === name) continue;
    const { mtime } = await Deno.stat(`${E2E_OPT}/${e.name}`);
    if ((mtime?.getTime() ?? 0) < hourAgo) {
      await Deno.remove(`${E2E_OPT}/${e.name}`, { recursive: true });
    }
  }
}

/** The host path of a path inside the namespace (its root is a Debian 13 tree in trixie mode). */
export async function hostPath(path: string): Promise<string> {
  const env = await Deno.readTextFile("/var/lib/e2e-systemd/env").catch(() => "");
  const root = /^E2E_ROOT=(.*)$/m.exec(env)?.[1]?.replace(/\/$/, "") ?? "";
  // /home, /root, /tmp, /opt and the checkout's parent are bind-mounted: same path on both sides
  return /^\/(home|root|tmp|opt)\//.test(path) ? path : `${root}${path}`;
}

/** Runs `hoist ARGS` inside as `who`. */
export async function hoist(who: Who, args: string[]): Promise<Run> {
  await prepare();
  return inside(who, ["/usr/local/bin/hoist", ...args]);
}

/** The age key id the sops stand-in's files in the e2e repositories are "encrypted" for. */
export const SOPS_KEY = "AGE-SECRET-KEY-E2E-STANDIN";

/** A git repository owned by whoever runs hoist (git refuses repositories of other users). */
export class Repo {
  constructor(readonly dir: string, readonly who: Who, readonly keys: string) {}

  /** `base`: where to make the folder (default the temp folder; a PrivateTmp= service needs another). */
  static async create(who: Who, files: Record<string, string>, base?: string): Promise<Repo> {
    if (base !== undefined) await Deno.mkdir(base, { recursive: true });
    const dir = await Deno.makeTempDir({
      prefix: `hoist-e2e-${who}-`,
      ...(base ? { dir: base } : {}),
    });
    await Deno.chmod(dir, 0o755);
    // every commit is signed with this ssh key, and hoist trusts only it; the private key stays
    // in a root-only folder of its own (ssh refuses a key others can read)
    const keys = await Deno.makeTempDir({ prefix: "hoist-e2e-key-" });
    const repo = new Repo(dir, who, keys);
    const keygen = await sh("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "e2e@example.invalid",
      "-f",
      `${keys}/signing_key`,
    ]);
    if (keygen.code !== 0) throw new Error(`ssh-keygen: ${keygen.stderr}`);
    const pub = (await Deno.readTextFile(`${keys}/signing_key.pub`)).trim().split(" ").slice(0, 2)
      .join(" ");
    await Deno.writeTextFile(
      `${dir}/allowed_signers`,
      `e2e@example.invalid namespaces="git" ${pub}\n`,
    );
    await repo.git("init", "-q", "-b", "main", `${dir}/repo`);
    await repo.write(files);
    await repo.commit("initial");
    return repo;
  }

  get path(): string {
    return `${this.dir}/repo`;
  }

  async git(...args: string[]): Promise<string> {
    const r = await sh("git", ["-c", "safe.directory=*", ...args], {
      env: {
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_AUTHOR_NAME: "e2e",
        GIT_AUTHOR_EMAIL: "e2e@example.invalid",
        GIT_COMMITTER_NAME: "e2e",
        GIT_COMMITTER_EMAIL: "e2e@example.invalid",
      },
    });
    if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  }

  async write(files: Record<string, string | null>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      const full = `${this.path}/${path}`;
      if (content === null) await Deno.remove(full);
      else {
        await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
        await Deno.writeTextFile(full, content);
      }
    }
  }

  async commit(message: string): Promise<string> {
    await this.git("-C", this.path, "add", "-A");
    await this.git(
      "-C",
      this.path,
      "-c",
      "gpg.format=ssh",
      "-c",
      `user.signingkey=${this.keys}/signing_key`,
      "commit",
      "-S",
      "-q",
      "--allow-empty",
      "-m",
      message,
    );
    if (this.who === "user") await sh("chown", ["-R", E2E_USER, this.dir]);
    return (await this.git("-C", this.path, "rev-parse", "HEAD")).trim();
  }

  /** Hoist config text for this repository (state next to it unless `extra` says otherwise). */
  configText(host: string, prefix = "e2e-", stateDir: string | null = `${this.dir}/state`): string {
    return `host = "${host}"\nmode = "${this.who}"\n${
      stateDir === null ? "" : `state_dir = "${stateDir}"\n`
    }unit_prefix = "${prefix}"\n\n[source]\nurl = "${this.path}"\nbranch = "main"\npath = "gitops"\n\n` +
      `[trust]\nallowed_signers = "${this.dir}/allowed_signers"\n\n` +
      `[secrets]\nenv = { PATH = "${E2E_OPT}/bin:/usr/local/bin:/usr/bin:/bin", SOPS_AGE_KEY = "${SOPS_KEY}" }\n`;
  }

  /** Writes a hoist config next to the repository; returns its path. */
  async config(host: string, prefix = "e2e-"): Promise<string> {
    const path = `${this.dir}/config.toml`;
    await Deno.writeTextFile(path, this.configText(host, prefix));
    if (this.who === "user") await sh("chown", ["-R", E2E_USER, this.dir]);
    return path;
  }

  async remove(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
    await Deno.remove(this.keys, { recursive: true });
  }
}

/** A container as podman reports it. */
export interface Container {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly labels: Record<string, string>;
}

/** `podman ps -a` inside, as `who`. */
export async function containers(who: Who): Promise<Container[]> {
  const out = await insideOk(who, ["podman", "ps", "-a", "--format", "json"]);
  const rows = JSON.parse(out || "[]") as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: String(r.Id),
    name: String((r.Names as string[])[0]),
    state: String(r.State),
    labels: (r.Labels ?? {}) as Record<string, string>,
  }));
}

/** `systemctl [--user] show -p PROP --value UNIT`. */
export async function unitProperty(who: Who, unit: string, prop: string): Promise<string> {
  const user = who === "user" ? ["--user"] : [];
  return (await insideOk(who, ["systemctl", ...user, "show", "-p", prop, "--value", unit])).trim();
}

/** The quadlet folder hoist writes to for `who`. */
export function quadletDir(who: Who): string {
  return who === "user"
    ? `/home/${E2E_USER}/.config/containers/systemd`
    : "/etc/containers/systemd";
}

/** GET http://127.0.0.1:port/, retrying briefly while httpd starts. */
export async function http(port: number, tries = 50): Promise<string> {
  let last = "";
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      const text = await r.text();
      if (r.ok) return text.trim();
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answers on 127.0.0.1:${port}: ${last}`);
}

/** Stops and removes every unit with `prefix` left by an earlier, interrupted run. */
export async function sweep(who: Who, prefix: string): Promise<void> {
  const dir = quadletDir(who);
  const user = who === "user" ? "--user" : "";
  await inside(who, [
    "sh",
    "-c",
    `cd "${dir}" 2>/dev/null || exit 0
for f in $(find . -name '*.container' -path './${prefix}*'); do n=$(basename "$f" .container); systemctl ${user} stop "$n.service" 2>/dev/null; done
rm -rf ./${prefix}*; systemctl ${user} daemon-reload`,
  ]);
}

/**
 * Short names of the commands a `--verbose` run logged as spawned, in order: the program and its
 * sub-command (`git fetch`, `podman ps`, `systemctl show`).
 */
export function spawned(stderr: string): string[] {
  return stderr.split("\n").flatMap((line) => {
    const m = / spawn "([^"]*)" "([^"]*)"/.exec(line);
    if (!m) return [];
    const words = m[2]!.split(" ");
    // skip options and the values of git's -C DIR and -c KEY=VALUE
    const sub = words.find((w, i) => !w.startsWith("-") && !["-C", "-c"].includes(words[i - 1]!));
    return [`${m[1]!.split("/").pop()} ${sub ?? ""}`.trim()];
  });
}

/** Index of the first line of `text` matching `re` (-1 when none does). */
export function lineIndex(text: string, re: RegExp): number {
  return text.split("\n").findIndex((l) => re.test(l));
}

/**
 * Polls `fn` every 500 ms for up to 2 minutes until it returns a value (a throw counts as not yet);
 * on timeout, fails with `what` and, when given, what `context()` says (a journal, say).
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  context: () => Promise<string> = () => Promise.resolve(""),
): Promise<T> {
  for (let i = 0; i < 240; i++) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  const more = await context().catch(() => "");
  throw new Error(`timed out waiting for ${what}${more === "" ? "" : `; journal:\n${more}`}`);
}

/**
 * A manifest of the test image serving `message` on 127.0.0.1:`port` (its `Exec` replaced when
 * given).
 */
export function servingManifest(port: number, message: string, exec?: string): string {
  return `Container:\n  Image: ${IMAGE}\n  Environment: [PORT=8080, MESSAGE=${message}]\n` +
    `  PublishPort: 127.0.0.1:${port}:8080\n${exec === undefined ? "" : `  Exec: ${exec}\n`}`;
}

/**
 * Starts `hoist serve --config CONFIG` inside as the transient unit `unit` and waits until its
 * first run has ended (its `/health` on 127.0.0.1:`port` names a last run); returns a reader of
 * the unit's journal, for failure messages.
 */
export async function startServe(
  unit: string,
  config: string,
  port: number,
): Promise<() => Promise<string>> {
  const journal = async () =>
    (await inside("system", ["journalctl", "-u", unit, "--no-pager", "-n", "40"])).stdout;
  await insideOk("system", [
    "systemd-run",
    `--unit=${unit}`,
    "/usr/local/bin/hoist",
    "--config",
    config,
    "serve",
  ]);
  await until("the start run", async () => {
    const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
    const h = await r.json() as { lastRun: unknown };
    return h.lastRun === null ? undefined : h.lastRun;
  }, journal);
  return journal;
}

/**
 * The state DB's health rows for `service`: its checks (phase, hash, verdict, reason, deployment),
 * rollbacks [from, to, result] and failed hashes.
 */
export function healthRecorded(stateDb: string, service: string) {
  const db = new DatabaseSync(stateDb, { readOnly: true });
  try {
    const checks = db.prepare(
      "SELECT phase, hash, verdict, reason, deployment_id FROM health_checks WHERE service = ? ORDER BY id",
    ).all(service).map((r) => ({
      phase: String(r.phase),
      hash: String(r.hash),
      verdict: String(r.verdict),
      reason: String(r.reason),
      deployment: r.deployment_id === null ? null : Number(r.deployment_id),
    }));
    const rollbacks = db.prepare(
      "SELECT from_hash, to_hash, result FROM rollbacks WHERE service = ? ORDER BY id",
    ).all(service).map((r) => [String(r.from_hash), String(r.to_hash), String(r.result)]);
    const failed = db.prepare("SELECT hash FROM failed_hashes WHERE service = ?").all(service)
      .map((r) => String(r.hash));
    return { checks, rollbacks, failed };
  } finally {
    db.close();
  }
}
