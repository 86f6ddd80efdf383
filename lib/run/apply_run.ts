/**
 * One level-triggered run: lock, fetch, observe, plan, and (unless dry-run) apply and record.
 * Timer, CLI and (next) webhook runs all call this.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { HoistError } from "../errors.ts";
import { logger } from "../log.ts";
import { applyPlan, type ApplyResult, plannedUnits } from "../apply/apply_plan.ts";
import { reloadMarkPath } from "../observed/collect_observed.ts";
import { deploymentRecord } from "../reconcile/deployment_record.ts";
import type { Store } from "../state/store.ts";
import { fetchSources } from "./fetch_sources.ts";
import { withLockedStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";
import { planFromSources, type PlanResult } from "./plan_sources.ts";

const log = logger("run");

/** How to run. */
export interface RunOptions {
  readonly dryRun: boolean;
  readonly lockTimeoutMs: number;
  /** Accept, once, a commit that does not descend from the last deployed one. */
  readonly allowRollback: boolean;
}

/** The plan, and what applying it did (absent for dry runs and blocked plans). */
export interface RunResult extends PlanResult {
  readonly applied?: ApplyResult;
  readonly deploymentId?: number;
}

/**
 * Runs once: `plan`, `apply --dry-run` and `apply`. Failures before a plan exists (config,
 * source, trust, lock) are the outcome's error, and recorded as events by a real apply.
 */
export function runApply(
  deps: Deps,
  config: Config,
  opts: RunOptions,
): Promise<Outcome<RunResult>> {
  return attempt(() =>
    withLockedStore(deps, config, opts.lockTimeoutMs, async (store) => {
      const startedAt = deps.clock().toISOString();
      const planned = await fetchAndPlan(deps, config, store, opts, startedAt);
      log.info("host {host} at {revision}: {actions} action(s), {problems} problem(s)", {
        host: config.host,
        revision: planned.plan.revision,
        actions: planned.plan.actions.length,
        problems: planned.plan.problems.length,
      });
      if (opts.dryRun || planned.plan.blocked) return planned;
      return await applyAndRecord(deps, config, store, planned, startedAt);
    })
  );
}

async function fetchAndPlan(
  deps: Deps,
  config: Config,
  store: Store,
  opts: RunOptions,
  startedAt: string,
): Promise<PlanResult> {
  try {
    const fetched = await fetchSources(deps, config, store, { allowRollback: opts.allowRollback });
    return await planFromSources(deps, config, fetched, store, { dryRun: opts.dryRun });
  } catch (e) {
    if (!opts.dryRun && e instanceof HoistError) store.recordEvent(startedAt, e.code, e.message);
    throw e;
  }
}

async function applyAndRecord(
  deps: Deps,
  config: Config,
  store: Store,
  planned: PlanResult,
  startedAt: string,
): Promise<RunResult> {
  store.recordUnits(plannedUnits(planned.plan));
  const applied = await applyPlan(planned.plan, deps, {
    quadletDir: config.quadletDir,
    now: startedAt,
    loadTimeoutMs: 10_000,
    reloadMark: { path: reloadMarkPath(config.stateDir), root: config.stateDir },
  });
  const recording = deploymentRecord({
    plan: planned.plan,
    applied,
    host: config.host,
    startedAt,
    finishedAt: deps.clock().toISOString(),
    sources: planned.fetched.flatMap((f) => f.records),
    sourcesChanged: planned.fetched.some((f) => f.changed),
    verdicts: planned.fetched.map((f) => f.verdict),
  });
  for (const e of recording.events) store.recordEvent(e.at, e.kind, e.message);
  if (recording.sources.length > 0) store.recordSources(recording.sources);
  const deploymentId = recording.deployment === undefined
    ? undefined
    : store.recordDeployment(recording.deployment);
  return { ...planned, applied, ...(deploymentId === undefined ? {} : { deploymentId }) };
}
