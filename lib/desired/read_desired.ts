/**
 * A repository snapshot → this host's {@link DesiredState}. Pure: no I/O, no clock.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import type { Mode } from "../types/mode.ts";
import { topName } from "./base_name.ts";
import { hashParts } from "./digest.ts";
import { finishServices } from "./finish_services.ts";
import { type HostConfig, parseHostConfig } from "./parse_host_config.ts";
import type { Read } from "./read.ts";
import { readService } from "./read_service.ts";
import { withComposeChoice } from "./compose_choice.ts";
import { collectFiles, hasDir, readText } from "./repo_files.ts";
import { NO_SECRETS, type SecretInputs } from "./secrets.ts";
import type { ServiceContext } from "./service_context.ts";
import type { DesiredHost, DesiredService, DesiredState, RepoEntry, RepoTree } from "./types.ts";
import { blockService } from "./block_service.ts";

/** Where this host's folder is and how units are named. */
export interface ReadOptions {
  /** Folder holding one folder per host (`gitops`); "" for the repository root. */
  readonly path: string;
  readonly host: string;
  readonly prefix: string;
  readonly mode: Mode;
  readonly stateDir: string;
  /** Name of the source the tree comes from (for multi-source messages). */
  readonly source?: string;
  /** Decrypted sops files and `.env` variables (default: none). */
  readonly secrets?: SecretInputs;
  /** The agent config's `[services.<name>]` pre/post scripts (default: none). */
  readonly scripts?: ServiceContext["scripts"];
  /** The compose file the agent config picks (default: compose.yaml and its variants). */
  readonly compose?: ServiceContext["compose"];
  /** The host's `[compose.policy]` (default: everything allowed). */
  readonly policy?: ServiceContext["policy"];
}

/** Where the immutable copy of the host folder lives (`${HOST_DIR}`, scripts' working folder). */
export function hostCopyDir(stateDir: string, hash: string): string {
  return `${stateDir}/host/${hash}`;
}

/**
 * Reads the host's config.yml and every listed service.
 *
 * @example
 * ```ts
 * const desired = readDesired(tree, { path: "gitops", host: "a", prefix: "gitops-", mode: "user", stateDir: "/s" });
 * desired.services.map((s) => s.name);
 * ```
 */
export function readDesired(tree: RepoTree, opts: ReadOptions): DesiredState {
  const root = opts.path === "" ? opts.host : `${opts.path.replace(/\/+$/, "")}/${opts.host}`;
  const configFile = `${root}/config.yml`;
  const state = { revision: tree.revision, host: opts.host, root };
  const empty = (problems: Problem[]): DesiredState => ({
    ...state,
    services: [],
    hosts: [],
    problems,
  });
  if (!hasDir(tree, root)) return empty([hostMissing(tree, opts, root, configFile)]);
  const read = readHostConfig(tree, root, configFile);
  if (!read.value) return empty([...read.problems]);
  const config = read.value;
  const host = readHost(tree, root, config, opts);
  const ctx: ServiceContext = {
    root,
    prefix: opts.prefix,
    mode: opts.mode,
    stateDir: opts.stateDir,
    hostHash: host.value.hash,
    hostDir: host.value.dir,
    configFile,
    secrets: opts.secrets ?? NO_SECRETS,
    ...(opts.scripts === undefined ? {} : { scripts: opts.scripts }),
    ...(opts.compose === undefined ? {} : { compose: opts.compose }),
    ...(opts.policy === undefined ? {} : { policy: opts.policy }),
  };
  const folders = splitFolders(tree, root);
  const services = [...config.services]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((s) => {
      const read = readService(
        folders.get(s.name) ?? { revision: tree.revision, entries: new Map() },
        s.name,
        s.line,
        withComposeChoice(ctx, s.name, s.compose),
      );
      // config.yml's health settings: how apply judges it, not part of its hash
      const judged = read.status === "ready" && s.health !== undefined
        ? { ...read, health: s.health }
        : read;
      // config.yml's update policy for its images, not part of its hash either
      const policed = judged.status === "ready" && s.images !== undefined
        ? { ...judged, updatePolicy: s.images }
        : judged;
      return withUser(policed, s.user, configFile, opts.mode);
    });
  return {
    ...state,
    services: withUrls(finishServices(services), config.services, configFile),
    hosts: [host.value],
    problems: [...read.problems, ...host.problems],
  };
}

/**
 * config.yml's `services.<name>.user` on the service; in user mode (rootless hoist, which cannot
 * act for another account) an error at its line that blocks the service.
 */
function withUser(
  service: DesiredService,
  user: { readonly name: string; readonly line: number | undefined } | undefined,
  file: string,
  mode: ReadOptions["mode"],
): DesiredService {
  if (user === undefined || service.status !== "ready") return service;
  if (mode === "user") {
    return blockService(
      service,
      problem(
        "error",
        `services.${service.name}.user: hoist runs rootless (mode = "user") and cannot deploy for another account`,
        {
          file,
          line: user.line,
          service: service.name,
          hint:
            "Remove user, or run hoist as root (system mode) to deploy services for other accounts",
        },
      ),
    );
  }
  return {
    ...service,
    user: { name: user.name, file, ...(user.line === undefined ? {} : { line: user.line }) },
  };
}

/** config.yml's `services.<name>.urls` on each service, ready or blocked (`proxy_snippet.ts`). */
function withUrls(
  services: DesiredState["services"],
  entries: HostConfig["services"],
  file: string,
): DesiredState["services"][number][] {
  return services.map((s) => {
    const urls = entries.find((e) => e.name === s.name)?.urls;
    return urls === undefined ? s : { ...s, urls: { file, urls } };
  });
}

/** No folder for the host: the error names the hosts the repository has. */
function hostMissing(tree: RepoTree, opts: ReadOptions, root: string, configFile: string): Problem {
  const parent = opts.path.replace(/\/+$/, "");
  const hosts = [...tree.entries.entries()]
    .filter(([p, e]) =>
      e.kind === "dir" && p.startsWith(parent === "" ? "" : parent + "/") &&
      !p.slice(parent.length + 1).includes("/")
    )
    .map(([p]) => p.slice(parent === "" ? 0 : parent.length + 1));
  return problem("error", `no folder ${root}/ for host ${opts.host} at ${tree.revision}`, {
    hint: hosts.length > 0
      ? `Hosts in the repository: ${hosts.sort().join(", ")}; set host = "..." in the config`
      : `Create ${configFile}, or check [source] path`,
  });
}

/** config.yml read, decoded and parsed; no value when any of that failed. */
function readHostConfig(
  tree: RepoTree,
  root: string,
  configFile: string,
): Read<HostConfig | undefined> {
  if (!tree.entries.has(configFile)) {
    const missing = problem("error", `${configFile} does not exist`, {
      file: configFile,
      hint: "Add config.yml with a services: map",
    });
    return { value: undefined, problems: [missing] };
  }
  const read = readText(tree, configFile, root);
  if (!read.ok) return { value: undefined, problems: [read.problem] };
  const { config, problems } = parseHostConfig(read.text, configFile);
  return { value: config, problems };
}

/** The host folder's own files (all but config.yml and the service folders), hashed. */
function readHost(
  tree: RepoTree,
  root: string,
  config: HostConfig,
  opts: ReadOptions,
): Read<DesiredHost> {
  const serviceDirs = new Set(config.services.map((s) => s.name));
  const { files, problems } = collectFiles(
    tree,
    root,
    (rel) => rel === "config.yml" || serviceDirs.has(topName(rel)),
  );
  const hash = hashParts(files.map((f) => [f.path, f.data] as const)).slice(0, 16);
  const scripts: { pre?: string; post?: string } = {};
  if (config.pre !== undefined) scripts.pre = config.pre;
  if (config.post !== undefined) scripts.post = config.post;
  const dir = hostCopyDir(opts.stateDir, hash);
  return { value: { source: opts.source ?? "main", hash, dir, files, scripts }, problems };
}

/**
 * The entries of each folder directly under `root`, as trees of their own: one pass over the
 * repository instead of one per service (symlinks may not leave a service folder anyway).
 */
function splitFolders(tree: RepoTree, root: string): Map<string, RepoTree> {
  const out = new Map<string, Map<string, RepoEntry>>();
  const prefix = root + "/";
  for (const [path, entry] of tree.entries) {
    if (!path.startsWith(prefix)) continue;
    const name = topName(path.slice(prefix.length));
    let entries = out.get(name);
    if (!entries) out.set(name, entries = new Map());
    entries.set(path, entry);
  }
  return new Map([...out].map(([name, entries]) => [name, { revision: tree.revision, entries }]));
}
