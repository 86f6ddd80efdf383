/**
 * One level-triggered run: lock, fetch, observe, plan, and (unless dry-run) apply and record.
 * Timer, CLI and (later) webhook runs all call this.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { HoistError } from "../errors.ts";
import { changeCount } from "../reconcile/types.ts";
import { acquireLock } from "../state/lock.ts";
import type { Store } from "../state/store.ts";
import { applyPlan, type ApplyResult, plannedUnits } from "./apply_plan.ts";
import { fetchSources } from "./fetch_sources.ts";
import { planFromSources, type PlanResult } from "./plan_once.ts";
import { logger } from "../log.ts";

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

/** Opens the state store of `config` (creating state_dir). */
export async function openConfigStore(deps: Deps, config: Config): Promise<Store> {
  await deps.fs.mkdirp(config.stateDir);
  return deps.openStore(`${config.stateDir}/state.db`);
}

/**
 * Runs `fn` with the state store open and the lock held (status and render fetch into the same
 * cache and may rebuild the keyring, so they take it too).
 */
export async function withLockedStore<T>(
  deps: Deps,
  config: Config,
  lockTimeoutMs: number,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openConfigStore(deps, config);
  try {
    const release = await acquireLock(`${config.stateDir}/lock`, lockTimeoutMs);
    try {
      return await fn(store);
    } finally {
      release();
    }
  } finally {
    store.close();
  }
}

/** Runs once. Throws HoistError for failures before a plan exists (config, source, lock). */
export async function reconcileOnce(
  deps: Deps,
  config: Config,
  opts: RunOptions,
): Promise<RunResult> {
  const store = await openConfigStore(deps, config);
  const release = await acquireLock(`${config.stateDir}/lock`, opts.lockTimeoutMs);
  try {
    const startedAt = deps.clock().toISOString();
    let planned: PlanResult;
    try {
      const fetched = await fetchSources(deps, config, store, {
        allowRollback: opts.allowRollback,
      });
      planned = await planFromSources(deps, config, fetched, store, { dryRun: opts.dryRun });
    } catch (e) {
      if (!opts.dryRun && e instanceof HoistError) {
        store.recordEvent(startedAt, e.code, e.message);
      }
      throw e;
    }
    log.info("host {host} at {revision}: {actions} action(s), {problems} problem(s)", {
      host: config.host,
      revision: planned.plan.revision,
      actions: planned.plan.actions.length,
      problems: planned.plan.problems.length,
    });
    if (opts.dryRun || planned.plan.blocked) return planned;
    if (!planned.validated) {
      throw new HoistError(
        "tool-missing",
        "the quadlet generator was not found, so the units cannot be validated; nothing was changed",
        "Install podman 4.4 or newer, or set quadlet_bin in the config",
      );
    }
    store.recordUnits(plannedUnits(planned.plan));
    const applied = await applyPlan(planned.plan, deps, {
      quadletDir: config.quadletDir,
      now: startedAt,
      loadTimeoutMs: 10_000,
    });
    const errorCount = planned.plan.problems.filter((p) => p.level === "error").length;
    // Nothing to remember: no change (scripts run every time and do not count), nothing failed.
    // (a service blocked by the same errors run after run adds no row every timer tick)
    const quiet = changeCount(planned.plan) === 0 && planned.plan.inventory.length === 0 &&
      !applied.failed;
    const finishedAt = deps.clock().toISOString();
    const sources = planned.fetched.flatMap((f) => f.records).map((r) => ({
      ...r,
      deployedAt: startedAt,
    }));
    for (const f of planned.fetched) {
      if (f.verdict.rollback) {
        store.recordEvent(
          startedAt,
          "rollback-allowed",
          `source ${f.source.name}: deployed ${f.verdict.rollback.to}, older than ${f.verdict.rollback.from}`,
        );
      }
    }
    // The anti-rollback baseline moves forward even when the new commit changes nothing here.
    if (quiet && planned.fetched.some((f) => f.changed)) store.recordSources(sources);
    const deploymentId = quiet ? undefined : store.recordDeployment({
      startedAt,
      finishedAt,
      host: config.host,
      revision: planned.plan.revision,
      status: applied.failed || errorCount > 0 ? "failed" : "ok",
      ...(errorCount > 0 ? { error: `${errorCount} service(s) blocked by errors` } : {}),
      actions: applied.actions,
      inventory: applied.inventory,
      sources,
    });
    return { ...planned, applied, ...(deploymentId === undefined ? {} : { deploymentId }) };
  } finally {
    release();
    store.close();
  }
}
