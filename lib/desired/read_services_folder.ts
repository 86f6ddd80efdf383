/**
 * {@link readServicesFolder}: `layout = "services"` (seed 001): a folder of service folders with
 * no host level and no config.yml; every folder holding unit input is a service of this host.
 *
 * @module
 */
import { problem } from "../errors.ts";
import type { Mode } from "../types/mode.ts";
import { topName } from "./base_name.ts";
import { blockService } from "./block_service.ts";
import { chosenComposeFile } from "./compose_source.ts";
import { isDraftFile } from "./draft_sources.ts";
import { finishServices } from "./finish_services.ts";
import { SERVICE_NAME } from "./parse_host_config.ts";
import { readService } from "./read_service.ts";
import { hasDir } from "./repo_files.ts";
import { NO_SECRETS, type SecretInputs } from "./secrets.ts";
import type { ServiceContext } from "./service_context.ts";
import type { DesiredService, DesiredState, RepoEntry, RepoTree } from "./types.ts";

/** Where the service folders are and how units are named. */
export interface ServicesFolderOptions {
  /** Folder holding the service folders (`services`). */
  readonly path: string;
  /** The service folders to deploy (the source's `services = [...]`); undefined: every one. */
  readonly services?: readonly string[];
  readonly host: string;
  readonly prefix: string;
  readonly mode: Mode;
  readonly stateDir: string;
  /** The agent config, which lists the services when `services` is set. */
  readonly configFile: string;
  /** Decrypted sops files and `.env` variables (default: none). */
  readonly secrets?: SecretInputs;
  /** The agent config's `[services.<name>]` pre/post scripts (default: none). */
  readonly scripts?: ServiceContext["scripts"];
  /** The compose file the agent config picks (default: compose.yaml and its variants). */
  readonly compose?: ServiceContext["compose"];
  /** The host's `[compose.policy]` (default: everything allowed). */
  readonly policy?: ServiceContext["policy"];
}

/**
 * Reads each folder directly under `path` that holds a compose file, a manifest.yml or raw
 * quadlet files (or each one `services` names) as the service of the same name.
 *
 * @example
 * ```ts
 * const desired = readServicesFolder(tree, { path: "services", host: "a", prefix: "gitops-", mode: "user", stateDir: "/s", configFile: "/etc/hoist/config.toml" });
 * desired.services.map((s) => s.name); // ["immich", "paperless", …]
 * ```
 */
export function readServicesFolder(tree: RepoTree, opts: ServicesFolderOptions): DesiredState {
  const root = opts.path.replace(/\/+$/, "");
  const state = { revision: tree.revision, host: opts.host, root, hosts: [] };
  if (!hasDir(tree, root)) {
    return {
      ...state,
      services: [],
      problems: [problem("error", `no folder ${root}/ at ${tree.revision}`, {
        file: opts.configFile,
        hint:
          `Create ${root}/<service>/compose.yaml, or set the source's path to the folder of service folders`,
      })],
    };
  }
  const ctx: ServiceContext = {
    root,
    prefix: opts.prefix,
    mode: opts.mode,
    stateDir: opts.stateDir,
    hostHash: "",
    hostDir: "",
    configFile: opts.configFile,
    secrets: opts.secrets ?? NO_SECRETS,
    ...(opts.scripts === undefined ? {} : { scripts: opts.scripts }),
    ...(opts.compose === undefined ? {} : { compose: opts.compose }),
    ...(opts.policy === undefined ? {} : { policy: opts.policy }),
  };
  const folders = serviceFolders(tree, root);
  const names = opts.services ??
    [...folders].filter(([n, t]) =>
      holdsUnits(t, root, chosenComposeFile({ tree: t, dir: `${root}/${n}`, name: n, ctx }))
    ).map(([n]) => n);
  const services = [...new Set(names)].sort().map((name) =>
    readOne(folders.get(name) ?? { revision: tree.revision, entries: new Map() }, name, ctx)
  );
  return { ...state, services: finishServices(services), problems: [] };
}

function readOne(tree: RepoTree, name: string, ctx: ServiceContext): DesiredService {
  const service = readService(tree, name, undefined, ctx);
  const dir = `${ctx.root}/${name}`;
  if (!SERVICE_NAME.test(name)) {
    return blockService(
      service,
      problem("error", `folder ${name} is not a plain service name`, {
        file: dir,
        service: name,
        hint: "Rename it with letters, digits, '_', '.' and '-'",
      }),
    );
  }
  if (service.status === "ready" && service.inputs["${HOST_DIR}"] !== undefined) {
    return blockService(
      service,
      problem("error", '${HOST_DIR} has no meaning for a layout = "services" source', {
        file: dir,
        service: name,
        hint: "Reference files of the service folder with ${SERVICE_DIR}",
      }),
    );
  }
  return service;
}

/**
 * True when the folder's tree holds a top-level file some draft source reads, or the compose
 * file the agent config picks for it.
 */
function holdsUnits(tree: RepoTree, root: string, compose: string | undefined): boolean {
  for (const [path, entry] of tree.entries) {
    if (entry.kind === "dir") continue;
    const rel = path.slice(root.length + 1);
    const slash = rel.indexOf("/");
    const top = rel.slice(slash + 1);
    if (slash > 0 && !top.includes("/") && (isDraftFile(top) || top === compose)) return true;
  }
  return false;
}

/** The entries of each folder directly under `root`, as trees of their own. */
function serviceFolders(tree: RepoTree, root: string): Map<string, RepoTree> {
  const out = new Map<string, Map<string, RepoEntry>>();
  for (const [path, entry] of tree.entries) {
    if (!path.startsWith(root + "/")) continue;
    const rel = path.slice(root.length + 1);
    const name = topName(rel);
    if (rel === name && entry.kind !== "dir") continue; // a file beside the service folders
    let entries = out.get(name);
    if (!entries) out.set(name, entries = new Map());
    entries.set(path, entry);
  }
  return new Map([...out].map(([name, entries]) => [name, { revision: tree.revision, entries }]));
}
