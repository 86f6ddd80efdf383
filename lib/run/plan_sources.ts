/**
 * fetch + verify → desired state → observe → reconcile → validate with the real generator (and
 * check what it generates against the plan) → final plan. Shared by plan, apply --dry-run, apply and status.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { checkGenerated } from "../desired/check_generated.ts";
import { withRegistryAuth } from "../images/registry_env.ts";
import { parseImageChecks, withImageNotes } from "../images/image_checks.ts";
import { type DesiredState, readyServices } from "../desired/types.ts";
import { collectObserved } from "../observed/collect_observed.ts";
import { finishPlan } from "../reconcile/finish_plan.ts";
import { blockTakeovers } from "../reconcile/ownership.ts";
import { reconcile } from "../reconcile/reconcile.ts";
import type { Plan } from "../reconcile/types.ts";
import type { Store } from "../state/store.ts";
import type { ObservedState } from "../types/observed.ts";
import { cachedDesired, sameObservables } from "./desired_cache.ts";
import type { FetchedSource } from "./fetch_sources.ts";
import { imageChecksPath, registryAuthEnv } from "./registry_auth.ts";
import { mark } from "../trace.ts";

/** The plan and what it was computed from. */
export interface PlanResult {
  readonly plan: Plan;
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  readonly fetched: readonly FetchedSource[];
}

/** Computes the plan for the fetched sources against the host as it is now. */
export async function planFromSources(
  deps: Deps,
  config: Config,
  fetched: readonly FetchedSource[],
  store: Store,
  opts: { dryRun: boolean } = { dryRun: true },
): Promise<PlanResult> {
  // an unchanged commit (and host-side inputs) needs no `git archive` and no reading
  mark("fetched");
  const cache = await cachedDesired(deps, config, fetched, { prune: !opts.dryRun });
  mark(() => `desired-state cache ${cache.hit === undefined ? "miss" : "hit"}`);
  // REGISTRY_AUTH_FILE for the pulls the units make themselves, where hoist has credentials
  const auth = await registryAuthEnv(config);
  const observe = (desired: DesiredState) =>
    collectObserved(
      deps,
      { quadletDir: config.quadletDir, stateDir: config.stateDir },
      desired,
      store.loadInventory(),
    );
  // the last update checks, shown as "image update available" (hoist update records them)
  const checks = parseImageChecks(await deps.fs.readText(imageChecksPath(config)));
  let unchecked = withImageNotes(withRegistryAuth(cache.hit ?? await cache.read(), auth), checks);
  mark("desired state ready");
  let observed = await observe(unchecked);
  mark("observed");
  const options = { keepCopies: config.keepCopies };
  // unit names systemd loads from a file other than the one hoist writes, judged on full paths
  let read = blockTakeovers(unchecked, observed, config.quadletDir);
  let first = reconcile(read, observed, options);
  mark("reconciled");
  if (cache.hit !== undefined && first.actions.some((a) => a.kind === "copy")) {
    // the cached state lacks its files' bytes, which only copy actions write: read it in full
    // (the same state by its key, so what was observed for it still holds)
    const full = withImageNotes(withRegistryAuth(await cache.read(), auth), checks);
    if (!sameObservables(full, unchecked)) observed = await observe(full);
    unchecked = full;
    read = blockTakeovers(unchecked, observed, config.quadletDir);
    first = reconcile(read, observed, options);
  }
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
