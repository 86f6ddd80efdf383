/**
 * fetch → desired state → observe → reconcile → validate with the real generator → final plan.
 * Shared by plan, apply --dry-run, apply and status.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { readDesired } from "../desired/read_desired.ts";
import type { DesiredState, RepoTree } from "../desired/types.ts";
import { problem } from "../errors.ts";
import { collectObserved } from "../observed/collect_observed.ts";
import type { ObservedState } from "../observed/types.ts";
import { reconcile } from "../reconcile/reconcile.ts";
import type { Plan } from "../reconcile/types.ts";
import type { Store } from "../state/store.ts";
import { blockInvalid } from "./block_invalid.ts";

/** The plan and what it was computed from. */
export interface PlanResult {
  readonly plan: Plan;
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  /** Whether the quadlet generator checked the units to be written. */
  readonly validated: boolean;
}

/** Fetches the configured source and returns the commit's tree for this host's folder. */
export async function fetchTree(deps: Deps, config: Config): Promise<RepoTree> {
  const cache = `${config.stateDir}/cache/source.git`;
  await deps.fs.mkdirp(`${config.stateDir}/cache`);
  const commit = await deps.git.fetch(resolveUrl(config.source.url), config.source.branch, cache);
  const root = config.source.path === "" ? config.host : `${config.source.path}/${config.host}`;
  const tree = await deps.git.readTree(cache, commit, root);
  if (tree.entries.size > 0) return tree;
  // The host folder is missing: list the hosts that exist, for the error's hint.
  const hosts = await deps.git.listDirs(cache, commit, config.source.path);
  const entries = new Map(
    hosts.map((
      h,
    ) => [config.source.path === "" ? h : `${config.source.path}/${h}`, { kind: "dir" } as const]),
  );
  return { revision: commit, entries };
}

/** A local path source becomes absolute (git runs with `-C <cache>`). */
export function resolveUrl(url: string): string {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/:]+:/.test(url);
  if (isUrl || url.startsWith("/")) return url;
  return `${Deno.cwd()}/${url}`;
}

/** Computes the plan for `tree` against the host as it is now. */
export async function planFromTree(
  deps: Deps,
  config: Config,
  tree: RepoTree,
  store: Store,
): Promise<PlanResult> {
  const desired0 = readDesired(tree, {
    path: config.source.path,
    host: config.host,
    prefix: config.unitPrefix,
    mode: config.mode,
    stateDir: config.stateDir,
  });
  const inventory = store.loadInventory();
  const observed = await collectObserved(
    deps,
    { quadletDir: config.quadletDir, stateDir: config.stateDir },
    desired0,
    inventory,
  );
  const options = { keepCopies: config.keepCopies };
  const plan0 = reconcile(desired0, observed, options);
  if (!plan0.actions.some((a) => a.kind === "write")) {
    return { plan: plan0, desired: desired0, observed, validated: true };
  }
  if (deps.quadlet.bin === undefined) {
    const warn = problem(
      "warning",
      "the quadlet generator was not found: units were not validated",
      {
        hint: "Install podman 4.4 or newer; apply refuses to write unvalidated units",
      },
    );
    return {
      plan: { ...plan0, problems: [...plan0.problems, warn] },
      desired: desired0,
      observed,
      validated: false,
    };
  }
  const units = new Map(
    desired0.services.filter((s) => s.hash !== "").flatMap((s) =>
      s.units.map((u) => [u.path, u.content] as const)
    ),
  );
  const errors = await deps.quadlet.validate(units, [config.quadletDir]);
  const desired = blockInvalid(desired0, errors);
  return {
    plan: errors.size === 0 ? plan0 : reconcile(desired, observed, options),
    desired,
    observed,
    validated: true,
  };
}
