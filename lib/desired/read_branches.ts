/**
 * One branch per service (the orphan-branch layout): each branch's root holds one service's files.
 *
 * @module
 */
import { blockService } from "./block_service.ts";
import { problem } from "../errors.ts";
import { finishServices } from "./finish_services.ts";
import { SERVICE_NAME } from "./parse_host_config.ts";
import { readService } from "./read_service.ts";
import type { ServiceContext } from "./service_context.ts";
import type { DesiredService, DesiredState, RepoEntry, RepoTree } from "./types.ts";
import { NO_SECRETS, type SecretInputs } from "./secrets.ts";
import type { Mode } from "../types/mode.ts";

/** Where a branch service lives and how units are named. */
export interface BranchOptions {
  readonly source: string;
  readonly host: string;
  readonly prefix: string;
  readonly mode: Mode;
  readonly stateDir: string;
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
 * Reads each branch (name → tree of the whole branch) as the service of the same name. Paths in
 * messages read `@<source>/<branch>/<file>`.
 *
 * @example
 * ```ts
 * const desired = readBranches(new Map([["web", tree]]), { source: "apps", host: "a", prefix: "gitops-", mode: "user", stateDir: "/s" });
 * desired.services[0]?.name; // "web"
 * ```
 */
export function readBranches(
  branches: ReadonlyMap<string, RepoTree>,
  opts: BranchOptions,
): DesiredState {
  const root = `@${opts.source}`;
  const ctx: ServiceContext = {
    root,
    prefix: opts.prefix,
    mode: opts.mode,
    stateDir: opts.stateDir,
    hostHash: "",
    hostDir: "",
    configFile: root,
    secrets: opts.secrets ?? NO_SECRETS,
    ...(opts.scripts === undefined ? {} : { scripts: opts.scripts }),
    ...(opts.compose === undefined ? {} : { compose: opts.compose }),
    ...(opts.policy === undefined ? {} : { policy: opts.policy }),
  };
  const services = [...branches].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(
    ([branch, tree]) => readBranch(branch, tree, ctx),
  );
  const revision = [...branches.values()].map((t) => t.revision.slice(0, 12)).join(",");
  return {
    revision,
    host: opts.host,
    root,
    services: finishServices(services),
    hosts: [],
    problems: [],
  };
}

/** One branch's tree, moved under `@<source>/<branch>/`, read as the service `branch`. */
function readBranch(branch: string, tree: RepoTree, ctx: ServiceContext): DesiredService {
  const root = ctx.root;
  const entries = new Map<string, RepoEntry>([[`${root}/${branch}`, { kind: "dir" }]]);
  for (const [path, entry] of tree.entries) entries.set(`${root}/${branch}/${path}`, entry);
  const service = readService({ revision: tree.revision, entries }, branch, undefined, ctx);
  if (!SERVICE_NAME.test(branch)) {
    return blockService(
      service,
      problem("error", `branch ${branch} is not a plain service name`, {
        file: root,
        service: branch,
      }),
    );
  }
  if (service.status === "ready" && service.inputs["${HOST_DIR}"] !== undefined) {
    return blockService(
      service,
      problem("error", "${HOST_DIR} has no meaning for a branch-per-service source", {
        file: `${root}/${branch}`,
        service: branch,
        hint: "Reference files of the branch with ${SERVICE_DIR}",
      }),
    );
  }
  return service;
}
