/**
 * `hoist validate [DIR]`: an offline check of a checkout, every problem with file:line. Secrets
 * are not decrypted (encrypted files are only noted) and no host state is read.
 *
 * @module
 */
import type { Deps, DepsConfig } from "../deps.ts";
import { checkGenerated } from "../desired/check_generated.ts";
import { readDesired } from "../desired/read_desired.ts";
import { OFFLINE_SECRETS } from "../desired/secrets.ts";
import { readyServices } from "../desired/types.ts";
import { HoistError, type Problem, problem } from "../errors.ts";
import type { Mode } from "../types/mode.ts";
import type { RepoTree } from "../types/repo_tree.ts";
import { attempt, type Outcome } from "./outcome.ts";

/** What to check. */
export interface ValidateOptions {
  readonly dir: string;
  /** Only this host's folder; default every host folder under `path`. */
  readonly host?: string;
  /** Folder holding the host folders. */
  readonly path: string;
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
    const hosts = opts.host !== undefined ? [opts.host] : hostFolders(tree, base);
    if (hosts.length === 0) {
      throw new HoistError(
        "not-found",
        `no host folders under ${opts.dir}/${base}/`,
        "Pass --path or --host",
      );
    }
    const problems: Problem[] = [];
    for (const host of hosts) {
      const read = readDesired(tree, {
        path: base,
        host,
        ...VALIDATE_RENDERING,
        secrets: OFFLINE_SECRETS,
      });
      const units = new Map(
        readyServices(read.services).flatMap((s) =>
          s.units.map((u) => [u.path, u.content] as const)
        ),
      );
      const desired = checkGenerated(read, await deps.quadlet.generate(units, []));
      problems.push(...desired.problems, ...desired.services.flatMap((s) => s.problems));
    }
    if (deps.quadlet.bin === undefined) {
      problems.push(
        problem("warning", "the quadlet generator was not found: units were checked by hoist only"),
      );
    }
    return { hosts, problems };
  });
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
