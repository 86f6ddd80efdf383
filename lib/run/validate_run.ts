/**
 * `hoist validate [DIR]`: an offline check of a checkout, every problem with file:line. Secrets
 * are not decrypted (encrypted files are only noted) and no host state is read.
 *
 * @module
 */
import type { ServiceOptions } from "../config/service_options.ts";
import type { Deps, DepsConfig } from "../deps.ts";
import { checkGenerated } from "../desired/check_generated.ts";
import { readDesired } from "../desired/read_desired.ts";
import { proxySnippet } from "../desired/proxy_snippet.ts";
import { readServicesFolder } from "../desired/read_services_folder.ts";
import { OFFLINE_SECRETS } from "../desired/secrets.ts";
import { type DesiredState, readyServices } from "../desired/types.ts";
import { HoistError, type Problem, problem } from "../errors.ts";
import type { Mode } from "../types/mode.ts";
import type { RepoTree } from "../types/repo_tree.ts";
import { withAgentServices } from "./desired_from_sources.ts";
import { attempt, type Outcome } from "./outcome.ts";

/** What to check. */
export interface ValidateOptions {
  readonly dir: string;
  /** Only this host's folder; default every host folder under `path`. */
  readonly host?: string;
  /** Folder holding the host folders (or, with layout "services", the service folders). */
  readonly path: string;
  /**
   * `host-folders` (default): `<path>/<host>/config.yml` lists services; `services` (seed 001):
   * every folder under `<path>` holding a compose file, manifest or quadlets is a service.
   */
  readonly layout?: "host-folders" | "services";
  /**
   * The agent config given with `--config`: its `[services.<name>] urls` join the services of
   * its host (with layout "services", of the one set of service folders) as plan would join them.
   * Absent: validate reads no agent config.
   */
  readonly agent?: AgentServices;
}

/** What validate takes from an agent config. */
export interface AgentServices {
  readonly file: string;
  readonly host: string;
  readonly services: Readonly<Record<string, ServiceOptions>>;
}

/**
 * How units are rendered for the check: what a default rootless agent would write. Only names
 * and paths differ between settings, so the problems found are the same.
 */
export const VALIDATE_RENDERING: {
  readonly prefix: string;
  readonly mode: Mode;
  readonly stateDir: string;
} = { prefix: "gitops-", mode: "user", stateDir: "/var/lib/hoist" };

/** What validate reports. */
export interface ValidateReport {
  readonly hosts: readonly string[];
  readonly problems: readonly Problem[];
}

/**
 * Reads the checkout, renders every host's services and runs the generator on them: a unit it
 * rejects, or generates otherwise than hoist planned, is a problem.
 */
export function runValidate(deps: Deps, opts: ValidateOptions): Promise<Outcome<ValidateReport>> {
  return attempt(async () => {
    const tree = await deps.readDirTree(opts.dir).catch((e) => {
      throw new HoistError(
        "not-found",
        `cannot read ${opts.dir}: ${(e as Error).message}`,
        "Pass the path of a repository checkout",
      );
    });
    const base = opts.path.replace(/\/+$/, "");
    if (opts.layout === "services") return await validateServicesFolder(deps, tree, opts, base);
    const hosts = opts.host !== undefined ? [opts.host] : hostFolders(tree, base);
    if (hosts.length === 0) {
      throw new HoistError(
        "not-found",
        `no host folders under ${opts.dir}/${base}/`,
        "Pass --path or --host",
      );
    }
    const problems: Problem[] = [];
    const agent = opts.agent;
    if (agent !== undefined && !hosts.includes(agent.host)) {
      problems.push(problem(
        "warning",
        `${agent.file} is the agent config of ${agent.host}, which is not checked: its [services.<name>] settings are not`,
        { file: agent.file, hint: `Pass --host ${agent.host}` },
      ));
    }
    for (const host of hosts) {
      const read = withAgent(
        readDesired(tree, { path: base, host, ...VALIDATE_RENDERING, secrets: OFFLINE_SECRETS }),
        agent?.host === host ? agent : undefined,
      );
      problems.push(...await generatedProblems(deps, read));
      problems.push(...routeErrors(read));
    }
    return { hosts, problems: [...problems, ...generatorProblems(deps)] };
  });
}

/** `--layout services`: the service folders under `base`, as the host named by --host (or "validate"). */
async function validateServicesFolder(
  deps: Deps,
  tree: RepoTree,
  opts: ValidateOptions,
  base: string,
): Promise<ValidateReport> {
  const host = opts.host ?? "validate";
  const folders = readServicesFolder(tree, {
    path: base,
    host,
    ...VALIDATE_RENDERING,
    configFile: opts.dir,
    secrets: OFFLINE_SECRETS,
  });
  if (folders.services.length === 0 && folders.problems.length === 0) {
    throw new HoistError(
      "not-found",
      `no service folders under ${opts.dir}/${base}/`,
      "Pass --path: the folder holding one folder per service (seed 001: services)",
    );
  }
  const read = withAgent(folders, opts.agent);
  return {
    hosts: [host],
    problems: [
      ...await generatedProblems(deps, read),
      ...routeErrors(read),
      ...generatorProblems(deps),
    ],
  };
}

/**
 * `read` joined with the agent config given (`--config`), as a run joins it: its
 * `[services.<name>]` health, user and urls.
 */
function withAgent(read: DesiredState, agent: AgentServices | undefined): DesiredState {
  return agent === undefined ? read : withAgentServices(read, agent.services, agent.file);
}

/** The services' urls as the snippet would route them: a hostname claimed twice, a target naming no container. */
function routeErrors(read: DesiredState): Problem[] {
  return proxySnippet(read, VALIDATE_RENDERING.prefix).problems.filter((p) => p.level === "error");
}

/** The problems of `read` once the generator has seen its units. */
async function generatedProblems(deps: Deps, read: DesiredState): Promise<Problem[]> {
  const units = new Map(
    readyServices(read.services).flatMap((s) => s.units.map((u) => [u.path, u.content] as const)),
  );
  const desired = checkGenerated(read, await deps.quadlet.generate(units, []));
  return [...desired.problems, ...desired.services.flatMap((s) => s.problems)];
}

function generatorProblems(deps: Deps): Problem[] {
  return deps.quadlet.bin === undefined
    ? [problem("warning", "the quadlet generator was not found: units were checked by hoist only")]
    : [];
}

/** The folders directly under `base`, sorted. */
function hostFolders(tree: RepoTree, base: string): string[] {
  return [...tree.entries.keys()]
    .filter((p) =>
      p.startsWith(base + "/") && !p.slice(base.length + 1).includes("/") &&
      tree.entries.get(p)?.kind === "dir"
    )
    .map((p) => p.slice(base.length + 1)).sort();
}

/** What `validate` builds its tools with: the generator found as usual, rootless rendering. */
export const VALIDATE_DEPS: DepsConfig = { mode: VALIDATE_RENDERING.mode, quadletBin: undefined };
