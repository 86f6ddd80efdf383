/**
 * fetch + verify → desired state → observe → reconcile → validate with the real generator (and
 * check what it generates against the plan) → final plan. Shared by plan, apply --dry-run, apply and status.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import { type Problem, problem } from "../errors.ts";
import type { Deps } from "../deps.ts";
import { checkGenerated } from "../desired/check_generated.ts";
import { mergeDesired } from "../desired/merge_desired.ts";
import { withAgentHealth } from "../health/with_agent_health.ts";
import { type BranchOptions, readBranches } from "../desired/read_branches.ts";
import { readServicesFolder } from "../desired/read_services_folder.ts";
import { readDesired } from "../desired/read_desired.ts";
import type { SecretInputs } from "../desired/secrets.ts";
import { type DesiredState, readyServices } from "../desired/types.ts";
import { collectObserved } from "../observed/collect_observed.ts";
import { finishPlan } from "../reconcile/finish_plan.ts";
import { blockTakeovers } from "../reconcile/ownership.ts";
import { reconcile } from "../reconcile/reconcile.ts";
import type { Plan } from "../reconcile/types.ts";
import type { Store } from "../state/store.ts";
import type { ObservedState } from "../types/observed.ts";
import type { FetchedSource } from "./fetch_sources.ts";
import { prepareSecrets } from "./prepare_secrets.ts";

/** The plan and what it was computed from. */
export interface PlanResult {
  readonly plan: Plan;
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  readonly fetched: readonly FetchedSource[];
}

/** Reads the desired state of every fetched source and merges them. Pure. */
export function desiredFromSources(
  config: Config,
  fetched: readonly FetchedSource[],
  secrets: SecretInputs,
): DesiredState {
  const common = {
    host: config.host,
    prefix: config.unitPrefix,
    mode: config.mode,
    stateDir: config.stateDir,
    secrets,
    scripts: config.services,
    policy: config.composePolicy,
  };
  const services = Object.entries(config.services).flatMap(([name, o]) =>
    o.compose === undefined ? [] : [[name, o.compose] as const]
  );
  const merged = mergeDesired(fetched.map((f) => {
    const compose = {
      ...(f.source.compose === undefined ? {} : { source: f.source.compose }),
      ...(services.length > 0 ? { services: Object.fromEntries(services) } : {}),
    };
    return {
      source: f.source.name,
      desired: readSource(f, { ...common, compose }, config.file),
    };
  }));
  const unknown = unknownServiceTables(config, merged);
  const desired = withAgentHealth(merged, config.services, config.file);
  return unknown.length === 0
    ? desired
    : { ...desired, problems: [...desired.problems, ...unknown] };
}

/** A warning for each `[services.<name>]` of the agent config that names no service of the host. */
function unknownServiceTables(config: Config, desired: DesiredState): Problem[] {
  const names = new Set(desired.services.map((s) => s.name));
  return Object.keys(config.services).filter((n) => !names.has(n)).map((n) =>
    problem("warning", `[services.${n}] names no service of this host; its settings are unused`, {
      file: config.file,
      hint: `Services here: ${[...names].sort().join(", ") || "none"}`,
    })
  );
}

/** One fetched source's desired state, read as its layout says. */
function readSource(
  f: FetchedSource,
  common: Omit<BranchOptions, "source">,
  configFile: string,
): DesiredState {
  const { source, trees } = f;
  if (trees.kind === "branch-per-service") {
    return readBranches(trees.branches, { ...common, source: source.name });
  }
  if (source.kind === "services-folder") {
    return readServicesFolder(trees.tree, {
      ...common,
      path: source.path,
      configFile,
      ...(source.services === undefined ? {} : { services: source.services }),
    });
  }
  return readDesired(trees.tree, {
    ...common,
    path: source.kind === "host-folders" ? source.path : "",
    source: source.name,
  });
}

/** Computes the plan for the fetched sources against the host as it is now. */
export async function planFromSources(
  deps: Deps,
  config: Config,
  fetched: readonly FetchedSource[],
  store: Store,
  opts: { dryRun: boolean } = { dryRun: true },
): Promise<PlanResult> {
  const secrets = await prepareSecrets(deps, config, fetched, { prune: !opts.dryRun });
  const unchecked = desiredFromSources(config, fetched, secrets);
  const observed = await collectObserved(
    deps,
    { quadletDir: config.quadletDir, stateDir: config.stateDir },
    unchecked,
    store.loadInventory(),
  );
  const options = { keepCopies: config.keepCopies };
  // unit names systemd loads from a file other than the one hoist writes, judged on full paths
  const read = blockTakeovers(unchecked, observed, config.quadletDir);
  const first = reconcile(read, observed, options);
  const facts = {
    requireSigned: config.trust.requireSigned,
    configFile: config.file,
    verdicts: fetched.map((f) => f.verdict),
    dryRun: opts.dryRun,
  };
  if (!first.actions.some((a) => a.kind === "write") || deps.quadlet.bin === undefined) {
    const validated = deps.quadlet.bin !== undefined;
    return { plan: finishPlan(first, { ...facts, validated }), desired: read, observed, fetched };
  }
  const units = new Map(
    readyServices(read.services).flatMap((s) => s.units.map((u) => [u.path, u.content] as const)),
  );
  // the generator's own reading of the units: rejected ones, and ones it generates otherwise
  // than hoist planned (another service name, other labels), block their service
  const desired = checkGenerated(read, await deps.quadlet.generate(units, [config.quadletDir]));
  const plan = desired === read ? first : reconcile(desired, observed, options);
  return { plan: finishPlan(plan, { ...facts, validated: true }), desired, observed, fetched };
}
