/**
 * `hoist doctor`'s one collector: gathers every fact the checks of lib/doctor judge, through the
 * adapters (programs through the runner, `stat` included, so nothing here reads the host by
 * itself), then runs the checks. It changes nothing on the host: sources are fetched shallow into
 * a temporary folder (removed afterwards), the state DB is opened read-only.
 *
 * @module
 */
import { QUADLET_PATHS } from "../adapters/quadlet.ts";
import { FETCH_TIMEOUT_MS } from "../adapters/git.ts";
import type { CommandSpec } from "../adapters/run_command.ts";
import { type Config, type ConfigContext, sourceBranches } from "../config/load_config.ts";
import type { SourceConfig } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { encryptedFile } from "../desired/secrets.ts";
import { configFiles } from "../doctor/check_paths.ts";
import { DOCTOR_UNITS, parseShow, UNIT_PROPERTIES } from "../doctor/check_host.ts";
import { SOPS_KEY_VARS } from "../doctor/check_source.ts";
import { doctorChecks } from "../doctor/doctor_checks.ts";
import type {
  AccountFact,
  CheckResult,
  DoctorFacts,
  PathStat,
  RootlessFacts,
  SourceFacts,
  ToolFact,
} from "../doctor/types.ts";
import { HoistError } from "../errors.ts";
import { checkStateDb } from "../state/db_check.ts";
import { inventoryUsers } from "../state/inventory_users.ts";
import { parseDf } from "../doctor/check_state.ts";
import { HASH_LABEL, SERVICE_LABEL } from "../desired/labels.ts";
import { unitTypeOf } from "../desired/quadlet_names.ts";
import { resolveUrl } from "./fetch_sources.ts";

/** The config as `hoist doctor` found it: parsed, or the error parsing gave. */
export type LoadedConfig =
  | { readonly ok: true; readonly value: Config }
  | { readonly ok: false; readonly message: string; readonly hint?: string };

/** How long doctor waits for one source (a fetch of the tips only). */
export const DOCTOR_FETCH_TIMEOUT_MS = FETCH_TIMEOUT_MS / 2;

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const why = (e: unknown) =>
  e instanceof HoistError ? e.message : e instanceof Error ? e.message : String(e);

/** Runs a program; its first output line, or why it did not run. */
async function tool(deps: Deps, cmd: string, args: string[]): Promise<ToolFact> {
  try {
    const r = await deps.run({ cmd, args, timeoutMs: 20_000 });
    const line = (text(r.stdout).trim() || r.stderr.trim()).split("\n")[0] ?? "";
    return r.code === 0
      ? { found: true, path: cmd, version: line }
      : { found: false, path: cmd, error: `exit ${r.code}: ${r.stderr.trim().split("\n").pop()}` };
  } catch (e) {
    return { found: false, path: cmd, error: why(e) };
  }
}

/** Output of a command that exited 0, else undefined (a missing program included). */
async function output(deps: Deps, spec: CommandSpec): Promise<string | undefined> {
  try {
    const r = await deps.run({ timeoutMs: 20_000, ...spec });
    return r.code === 0 ? text(r.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/** `stat` of each path (following symlinks): `%a\t%u\t%F\t%n\0`; a path not printed is missing. */
export async function statPaths(deps: Deps, paths: readonly string[]): Promise<PathStat[]> {
  if (paths.length === 0) return [];
  const found = new Map<string, PathStat>();
  const out = await deps.run({
    cmd: "stat",
    args: ["-L", "--printf", "%a\\t%u\\t%F\\t%n\\0", "--", ...paths],
    timeoutMs: 20_000,
  }).catch(() => undefined);
  for (const rec of text(out?.stdout ?? new Uint8Array()).split("\0")) {
    const [mode, uid, type, ...name] = rec.split("\t");
    if (mode === undefined || uid === undefined || type === undefined) continue;
    const path = name.join("\t");
    const kind = /regular/.test(type) ? "file" : type === "directory" ? "dir" : "other";
    found.set(path, { path, kind, mode: parseInt(mode, 8), uid: Number(uid) });
  }
  return paths.map((p) => found.get(p) ?? { path: p, kind: "missing" });
}

/** The first `dir/name` on PATH that exists. */
async function onPath(deps: Deps, name: string): Promise<string | undefined> {
  for (const dir of (deps.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":")) {
    if (dir !== "" && await deps.fs.exists(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

async function rootlessFacts(deps: Deps): Promise<RootlessFacts> {
  const user = (await output(deps, { cmd: "id", args: ["-un"] }))?.trim() ||
    deps.env.USER || "unknown";
  let loginctl: RootlessFacts["loginctl"];
  try {
    const r = await deps.run({
      cmd: "loginctl",
      args: ["show-user", user, "-p", "Linger", "--value"],
      timeoutMs: 20_000,
    });
    loginctl = r.code === 0
      ? { linger: text(r.stdout).trim() === "yes" }
      : { error: r.stderr.trim().split("\n")[0] || `exit ${r.code}` };
  } catch (e) {
    loginctl = { error: why(e) };
  }
  const xdg = deps.env.XDG_RUNTIME_DIR;
  return {
    user,
    loginctl,
    lingerFile: await deps.fs.exists(`/var/lib/systemd/linger/${user}`),
    runtimeDir: xdg ? { value: xdg, stat: (await statPaths(deps, [xdg]))[0]! } : undefined,
    subuid: await deps.fs.readText("/etc/subuid"),
    subgid: await deps.fs.readText("/etc/subgid"),
    newuidmap: await onPath(deps, "newuidmap"),
    newgidmap: await onPath(deps, "newgidmap"),
  };
}

/**
 * The (commit, folder) pairs `source` deploys this host from: its host folder, its service
 * folders' parent (`layout = "services"`), or each branch's or the repository's root.
 */
function sopsRoots(
  config: Config,
  source: SourceConfig,
  tips: ReadonlyMap<string, string>,
): [string, string][] {
  switch (source.kind) {
    case "host-folders":
      return [[
        tips.get(source.branch) ?? "",
        source.path === "" ? config.host : `${source.path}/${config.host}`,
      ]];
    case "services-folder":
      return [[tips.get(source.branch) ?? "", source.path]];
    case "branch-per-service":
    case "service-repo":
      return [...tips.values()].map((c) => [c, ""]);
  }
}

/** Names of the sops files this host would deploy from `source` at `tips`. */
async function sopsFiles(
  deps: Deps,
  config: Config,
  source: SourceConfig,
  cache: string,
  tips: ReadonlyMap<string, string>,
): Promise<string[]> {
  const roots = sopsRoots(config, source, tips);
  const out: string[] = [];
  for (const [commit, root] of roots) {
    const tree = await deps.git.readTree(cache, commit, root);
    const selected = source.kind === "services-folder" ? source.services : undefined;
    for (const [path, e] of tree.entries) {
      // entries carry their full path in the repository
      const folder = (root === "" ? path : path.slice(root.length + 1)).split("/")[0] ?? "";
      if (selected !== undefined && !selected.includes(folder)) continue;
      if (e.kind === "file" && encryptedFile(path.slice(path.lastIndexOf("/") + 1))) out.push(path);
    }
  }
  return out.sort();
}

/** Fetches one source's tips into `tmp`, checks their signatures, lists its sops files. */
async function sourceFacts(
  deps: Deps,
  config: Config,
  source: SourceConfig,
  tmp: string,
): Promise<SourceFacts> {
  const cache = `${tmp}/${source.name}.git`;
  const base = { name: source.name, url: source.url };
  let tips: Map<string, string>;
  try {
    tips = await deps.git.fetch({
      url: resolveUrl(source.url, deps.cwd()),
      branches: sourceBranches(source),
      cacheDir: cache,
      shallow: true,
      timeoutMs: DOCTOR_FETCH_TIMEOUT_MS,
      auth: {
        ...(source.sshKey === undefined ? {} : { sshKey: source.sshKey }),
        ...(source.knownHosts === undefined ? {} : { knownHosts: source.knownHosts }),
        ...(source.tokenFile === undefined ? {} : { tokenFile: source.tokenFile }),
      },
    });
  } catch (e) {
    const hint = e instanceof HoistError ? e.hint : undefined;
    return {
      ...base,
      fetch: { ok: false, message: why(e), ...(hint === undefined ? {} : { hint }) },
      sopsFiles: [],
    };
  }
  const t = config.trust;
  let signatures: SourceFacts["signatures"];
  let signatureError: string | undefined;
  if (t.requireSigned && (t.gpgKeys.length > 0 || t.allowedSigners !== undefined)) {
    try {
      signatures = await deps.signatures.verify(
        cache,
        [...new Set(tips.values())],
        { gpgKeys: t.gpgKeys, allowedSigners: t.allowedSigners },
        `${tmp}/trust`,
      );
    } catch (e) {
      signatureError = why(e);
    }
  }
  const sops = await sopsFiles(deps, config, source, cache, tips).catch(() => []);
  return {
    ...base,
    fetch: { ok: true, tips },
    ...(signatures === undefined ? {} : { signatures }),
    ...(signatureError === undefined ? {} : { signatureError }),
    sopsFiles: sops,
  };
}

async function unitFacts(deps: Deps, config: Config): Promise<DoctorFacts["units"]> {
  const args = [
    ...(config.mode === "user" ? ["--user"] : []),
    "show",
    ...DOCTOR_UNITS,
    "-p",
    UNIT_PROPERTIES.join(","),
  ];
  try {
    const r = await deps.run({ cmd: "systemctl", args, timeoutMs: 20_000 });
    if (r.code !== 0) {
      return { ok: false, error: r.stderr.trim().split("\n")[0] || `exit ${r.code}` };
    }
    return { ok: true, byUnit: parseShow(text(r.stdout)) };
  } catch (e) {
    return { ok: false, error: why(e) };
  }
}

async function generatorFact(deps: Deps, config: Config | undefined) {
  let bin = config?.quadletBin;
  if (bin === undefined) {
    for (const p of QUADLET_PATHS) {
      if (bin === undefined && await deps.fs.exists(p)) bin = p;
    }
    if (bin === undefined) return undefined;
  }
  return tool(deps, bin, ["-version"]);
}

/** Gathers every fact for `config` (or only the host's when it did not parse). */
export async function collectDoctorFacts(
  deps: Deps,
  configFile: string,
  config: LoadedConfig,
  ctx: Pick<ConfigContext, "uid">,
): Promise<DoctorFacts> {
  const c = config.ok ? config.value : undefined;
  const mode = c?.mode ?? (ctx.uid === 0 ? "system" : "user");
  const dirs = c ? await statPaths(deps, [c.stateDir, c.quadletDir]) : [];
  const files = c ? configFiles(c) : [];
  const fileStats = await statPaths(deps, files.map((f) => f.path));
  const sources: SourceFacts[] = [];
  if (c) {
    const tmp = await deps.fs.makeTempDir("hoist-doctor-");
    try {
      for (const s of c.sources) sources.push(await sourceFacts(deps, c, s, tmp));
    } finally {
      await deps.fs.removeTree(tmp);
    }
  }
  const needSops = sources.some((s) => s.sopsFiles.length > 0);
  const env = { ...deps.env, ...c?.secrets.env };
  const ntp = await output(deps, {
    cmd: "timedatectl",
    args: ["show", "-p", "NTPSynchronized", "--value"],
  });
  const dbPath = c ? `${c.stateDir}/state.db` : "";
  const dbExists = c !== undefined && await deps.fs.exists(dbPath);
  const accounts = c?.mode === "system" ? await accountFacts(deps, c, dbExists ? dbPath : "") : [];
  return {
    configFile,
    ...(accounts.length === 0 ? {} : { accounts }),
    config,
    uid: ctx.uid,
    dirs: c ? [{ key: "state_dir", stat: dirs[0]! }, { key: "quadlet_dir", stat: dirs[1]! }] : [],
    files: files.map((file, i) => ({ file, stat: fileStats[i]! })),
    generator: await generatorFact(deps, c),
    podman: await tool(deps, "podman", ["--version"]),
    systemd: await tool(deps, "systemctl", ["--version"]),
    rootless: mode === "user" ? await rootlessFacts(deps) : undefined,
    sources,
    sops: needSops ? await tool(deps, "sops", ["--version"]) : undefined,
    sopsKeyVars: SOPS_KEY_VARS.filter((v) => (env[v] ?? "") !== ""),
    clock: {
      now: Math.floor(deps.clock().getTime() / 1000),
      synchronized: ntp === undefined ? undefined : ntp.trim() === "yes",
    },
    units: c ? await unitFacts(deps, c) : { ok: false, error: "no config" },
    db: !c
      ? { path: "", kind: "missing" }
      : dbExists
      ? { path: dbPath, ...checkStateDb(dbPath) }
      : { path: dbPath, kind: "missing" },
    space: c ? await spaceFacts(deps, c) : [],
    hoistUnits: c ? await hoistUnitCount(deps, c.quadletDir) : 0,
  };
}

/**
 * The accounts services run as: `[services.<name>] user` of the agent config and those the
 * inventory records (config.yml's are known once deployed), looked up without a process.
 */
async function accountFacts(deps: Deps, c: Config, dbPath: string): Promise<AccountFact[]> {
  const named = [
    ...Object.entries(c.services).flatMap(([service, o]) =>
      o.user === undefined ? [] : [{ service, user: o.user }]
    ),
    ...(dbPath === "" ? [] : inventoryUsers(dbPath)),
  ];
  if (named.length === 0 || deps.accounts === undefined) return [];
  const found = await deps.accounts.lookup(named.map((n) => n.user));
  return named.map((n) => ({ ...n, account: found.get(n.user) }));
}

/** `df -Pk` of state_dir's and quadlet_dir's file systems (the nearest existing folder). */
async function spaceFacts(deps: Deps, c: Config): Promise<DoctorFacts["space"]> {
  const out: DoctorFacts["space"][number][] = [];
  for (const [key, path] of [["state_dir", c.stateDir], ["quadlet_dir", c.quadletDir]] as const) {
    let at = path;
    while (at !== "/" && !(await deps.fs.exists(at))) at = at.slice(0, at.lastIndexOf("/")) || "/";
    const df = await output(deps, { cmd: "df", args: ["-Pk", "--", at] });
    const parsed = df === undefined ? undefined : parseDf(df);
    out.push(
      parsed === undefined ? { key, path, error: "df gave no answer" } : { key, path, ...parsed },
    );
  }
  return out;
}

/** Unit files directly in quadlet_dir or one folder down that carry both of hoist's labels. */
async function hoistUnitCount(deps: Deps, quadletDir: string): Promise<number> {
  const files = [
    ...(await deps.fs.listFiles(quadletDir)),
    ...(await Promise.all(
      (await deps.fs.listFolders(quadletDir)).map(async (d) =>
        (await deps.fs.listFiles(`${quadletDir}/${d}`)).map((f) => `${d}/${f}`)
      ),
    )).flat(),
  ].filter((f) => unitTypeOf(f) !== undefined);
  let n = 0;
  for (const f of files) {
    const text = await deps.fs.readText(`${quadletDir}/${f}`).catch(() => undefined) ?? "";
    if (text.includes(`Label=${SERVICE_LABEL}=`) && text.includes(`Label=${HASH_LABEL}=`)) n++;
  }
  return n;
}

/** Collects the facts and runs every check, in order. */
export async function runDoctor(
  deps: Deps,
  configFile: string,
  config: LoadedConfig,
  ctx: Pick<ConfigContext, "uid">,
): Promise<CheckResult[]> {
  return doctorChecks(await collectDoctorFacts(deps, configFile, config, ctx), QUADLET_PATHS);
}
