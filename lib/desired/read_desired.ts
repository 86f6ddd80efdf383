/**
 * A repository snapshot → this host's {@link DesiredState}. Pure: no I/O, no clock.
 *
 * @module
 */
import { blockService } from "./block_service.ts";
import { type Problem, problem } from "../errors.ts";
import { hashParts } from "./digest.ts";
import { parseHostConfig } from "./parse_host_config.ts";
import { readService } from "./read_service.ts";
import { collectFiles, decodeText, hasDir, readRepoFile } from "./repo_files.ts";
import type { DesiredService, DesiredState, RepoEntry, RepoTree } from "./types.ts";
import { serviceDependencies } from "./unit_references.ts";
import { NO_SECRETS, type SecretInputs } from "./secrets.ts";
import type { Mode } from "../types/mode.ts";

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
  const problems: Problem[] = [];
  const empty = (): DesiredState => ({
    revision: tree.revision,
    host: opts.host,
    root,
    services: [],
    hosts: [],
    problems,
  });
  if (!hasDir(tree, root)) {
    const parent = opts.path.replace(/\/+$/, "");
    const hosts = [...tree.entries.entries()]
      .filter(([p, e]) =>
        e.kind === "dir" && p.startsWith(parent === "" ? "" : parent + "/") &&
        !p.slice(parent.length + 1).includes("/")
      )
      .map(([p]) => p.slice(parent === "" ? 0 : parent.length + 1));
    problems.push(problem("error", `no folder ${root}/ for host ${opts.host} at ${tree.revision}`, {
      hint: hosts.length > 0
        ? `Hosts in the repository: ${hosts.sort().join(", ")}; set host = "..." in the config`
        : `Create ${configFile}, or check [source] path`,
    }));
    return empty();
  }
  const read = readRepoFile(tree, configFile, root);
  const decoded = read.data ? decodeText(read.data, configFile) : {};
  if (!tree.entries.has(configFile)) {
    problems.push(problem("error", `${configFile} does not exist`, {
      file: configFile,
      hint: "Add config.yml with a services: map",
    }));
    return empty();
  }
  if (decoded.text === undefined) {
    problems.push((read.problem ?? decoded.problem)!);
    return empty();
  }
  const { config, problems: configProblems } = parseHostConfig(decoded.text, configFile);
  problems.push(...configProblems);
  if (!config) return empty();

  const serviceDirs = new Set(config.services.map((s) => s.name));
  const host = collectFiles(
    tree,
    root,
    (rel) => rel === "config.yml" || serviceDirs.has(rel.split("/")[0]!),
  );
  problems.push(...host.problems);
  const hostHash = hashParts(host.files.map((f) => [f.path, f.data] as const)).slice(0, 16);
  const hostDir = hostCopyDir(opts.stateDir, hostHash);

  const folders = splitFolders(tree, root);
  const ctx = {
    root,
    prefix: opts.prefix,
    mode: opts.mode,
    stateDir: opts.stateDir,
    hostHash,
    hostDir,
    configFile,
    secrets: opts.secrets ?? NO_SECRETS,
  };
  const read1 = [...config.services]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((s) =>
      readService(
        folders.get(s.name) ?? { revision: tree.revision, entries: new Map() },
        s.name,
        s.line,
        ctx,
      )
    );
  const services = finishServices(read1);
  const scripts: { pre?: string; post?: string } = {};
  if (config.pre !== undefined) scripts.pre = config.pre;
  if (config.post !== undefined) scripts.post = config.post;
  return {
    revision: tree.revision,
    host: opts.host,
    root,
    services,
    hosts: [{
      source: opts.source ?? "main",
      hash: hostHash,
      dir: hostDir,
      files: host.files,
      scripts,
    }],
    problems,
  };
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
    const name = path.slice(prefix.length).split("/")[0]!;
    let entries = out.get(name);
    if (!entries) out.set(name, entries = new Map());
    entries.set(path, entry);
  }
  return new Map([...out].map(([name, entries]) => [name, { revision: tree.revision, entries }]));
}

/** Blocks every service that ships a unit file name or generated service another one ships too. */
/**
 * Cross-service checks once every service is read: unit name clashes block both sides, then
 * dependencies are linked. Run again after merging several sources.
 */
export function finishServices(services: readonly DesiredService[]): DesiredService[] {
  return linkServices(blockClashes(services));
}

function blockClashes(services: readonly DesiredService[]): DesiredService[] {
  const owners = new Map<string, Set<string>>();
  for (const s of services) {
    for (const u of s.units) {
      for (const key of [u.path.split("/").pop()!, u.serviceUnit]) {
        owners.set(key, (owners.get(key) ?? new Set()).add(s.name));
      }
    }
  }
  return services.map((s) => {
    const clashes = s.units.flatMap((u) =>
      [u.path.split("/").pop()!, u.serviceUnit].filter((k) => (owners.get(k)?.size ?? 0) > 1)
        .map((k) => ({ unit: u, key: k }))
    );
    const first = clashes[0];
    if (!first) return s;
    const others = [...owners.get(first.key)!].filter((n) => n !== s.name).sort();
    return blockService(
      s,
      problem("error", `${first.key} is also defined by service ${others.join(", ")}`, {
        file: first.unit.source,
        service: s.name,
        hint: "Unit names share one namespace on the host; rename one of them",
      }),
    );
  });
}

/** Fills `dependsOn` from Requires/Wants/After/BindsTo and Network=/Volume=/Pod= references. */
function linkServices(services: readonly DesiredService[]): DesiredService[] {
  const owner = new Map<string, string>();
  for (const s of services) {
    for (const u of s.units) {
      owner.set(u.serviceUnit, s.name);
      owner.set(u.path.split("/").pop()!, s.name);
    }
  }
  const deps = serviceDependencies(
    new Map(services.map((s) => [s.name, s.units.map((u) => u.content)])),
    owner,
  );
  return services.map((s) => {
    const d = deps.get(s.name) ?? [];
    return d.length === 0 ? s : { ...s, dependsOn: d };
  });
}
