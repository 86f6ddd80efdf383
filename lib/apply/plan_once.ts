/**
 * fetch + verify → desired state → observe → reconcile → validate with the real generator →
 * final plan. Shared by plan, apply --dry-run, apply and status.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { mergeDesired } from "../desired/merge_desired.ts";
import { readBranches } from "../desired/read_branches.ts";
import { readDesired } from "../desired/read_desired.ts";
import type { DesiredState } from "../desired/types.ts";
import { problem } from "../errors.ts";
import { collectObserved } from "../observed/collect_observed.ts";
import type { ObservedState } from "../observed/types.ts";
import { reconcile } from "../reconcile/reconcile.ts";
import type { Plan } from "../reconcile/types.ts";
import type { Store } from "../state/store.ts";
import { blockInvalid } from "./block_invalid.ts";
import type { FetchedSource } from "./fetch_sources.ts";
import { prepareSecrets } from "./prepare_secrets.ts";
import type { SecretInputs } from "../desired/secrets.ts";

/** The plan and what it was computed from. */
export interface PlanResult {
  readonly plan: Plan;
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  /** Whether the quadlet generator checked the units to be written. */
  readonly validated: boolean;
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
  };
  return mergeDesired(fetched.map((f) => ({
    source: f.source.name,
    desired: f.source.branches.length > 0
      ? readBranches(f.trees, { ...common, source: f.source.name })
      : readDesired(f.trees.get(f.source.branch)!, {
        ...common,
        path: f.source.path,
        source: f.source.name,
      }),
  })));
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
  const desired0 = desiredFromSources(config, fetched, secrets);
  const inventory = store.loadInventory();
  const observed = await collectObserved(
    deps,
    { quadletDir: config.quadletDir, stateDir: config.stateDir },
    desired0,
    inventory,
  );
  const options = { keepCopies: config.keepCopies };
  const warnings = config.trust.requireSigned ? [] : [
    problem(
      "warning",
      "signature checks are off (require_signed = false): any commit pushed is deployed",
      {
        file: config.file,
        hint: "List signing keys in [trust] and remove require_signed = false",
      },
    ),
  ];
  const finish = (plan: Plan): Plan => ({
    ...plan,
    problems: [...warnings, ...plan.problems],
    sources: fetched.map((f) => f.verdict),
  });
  const plan0 = reconcile(desired0, observed, options);
  if (!plan0.actions.some((a) => a.kind === "write")) {
    return { plan: finish(plan0), desired: desired0, observed, validated: true, fetched };
  }
  if (deps.quadlet.bin === undefined) {
    const warn = problem(
      "warning",
      "the quadlet generator was not found: units were not validated",
      {
        hint: "Install podman 4.4 or newer; apply refuses to write unvalidated units",
      },
    );
    const plan = finish(plan0);
    return {
      plan: { ...plan, problems: [...plan.problems, warn] },
      desired: desired0,
      observed,
      validated: false,
      fetched,
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
    plan: finish(errors.size === 0 ? plan0 : reconcile(desired, observed, options)),
    desired,
    observed,
    validated: true,
    fetched,
  };
}
