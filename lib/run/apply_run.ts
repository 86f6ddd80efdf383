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
import { holdBack } from "../health/breaker.ts";
import { rolloutGate } from "../health/rollout_gate.ts";
import { keepStopped } from "../reconcile/keep_stopped.ts";
import { clearStops, recordedStops } from "../state/remote_store.ts";
import { withKeyWarnings } from "../remote/key_warnings.ts";
import { type SnippetTarget, withProxySnippet } from "../reconcile/proxy_action.ts";
import type { Store } from "../state/store.ts";
import { withEarlyListing } from "../observed/early_listing.ts";
import { fetchSources } from "./fetch_sources.ts";
import { withLockedStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";
import { planFromSources, type PlanResult } from "./plan_sources.ts";
import { dropStaleAuthFile } from "./registry_auth.ts";
import { adoptOrRefuse } from "./adopt_or_refuse.ts";
import { applyAndRecord } from "./apply_and_record.ts";
import type { RunOptions, RunResult } from "./run_result.ts";

const log = logger("run");

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
      const first = await fetchAndPlan(deps, config, store, opts, startedAt);
      const adopted = await adoptOrRefuse(deps, config, store, first, opts, startedAt);
      // the circuit breaker: a hash that failed health here is not deployed again by itself
      const gated = holdBack(adopted.plan, store.failedHashes(), opts.retryFailed ?? []);
      // stop stays stopped: a service stopped through the remote API is not started again
      // a malformed ssh/ key of the repository is a warning with its file and line, and the
      // Caddy snippet of the services' urls is written last when its text changed
      const proxied = withProxySnippet(
        withKeyWarnings(gated.plan, adopted.desired),
        adopted.desired,
        config.unitPrefix,
        await snippetTarget(deps, config),
      );
      const stops = keepStopped(proxied, adopted.desired, recordedStops(config.stateDir));
      // [rollout]: a new commit's changes wait for a window and for min_commit_age
      const rollout = rolloutGate(
        config.rollout,
        stops.plan,
        adopted.fetched,
        deps.clock(),
        opts.now === true,
      );
      const planned = {
        ...adopted,
        plan: rollout.plan,
        heldBack: gated.held,
        stopped: stops.kept,
        ...(rollout.waiting === undefined ? {} : { waiting: rollout.waiting }),
      };
      log.info("host {host} at {revision}: {actions} action(s), {problems} problem(s)", {
        host: config.host,
        revision: planned.plan.revision,
        actions: planned.plan.actions.length,
        problems: planned.plan.problems.length,
      });
      // credentials taken out of [[registries]] leave no auth.json behind, whatever the plan
      if (!opts.dryRun) await dropStaleAuthFile(deps, config);
      if (opts.dryRun || planned.plan.blocked || rollout.waiting !== undefined) return planned;
      const result = await applyAndRecord(deps, config, store, planned, startedAt);
      clearStops(config.stateDir, stops.lifted.map((s) => s.service));
      return result;
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
    // `podman ps` (a no-op's long pole) runs while git fetches: nothing orders the two
    const early = { ...deps, podman: withEarlyListing(deps.podman) };
    const fetched = await fetchSources(early, config, store, { allowRollback: opts.allowRollback });
    return await planFromSources(early, config, fetched, store, { dryRun: opts.dryRun });
  } catch (e) {
    if (!opts.dryRun && e instanceof HoistError) store.recordEvent(startedAt, e.code, e.message);
    throw e;
  }
}

/** `[proxy]`'s snippet path and reload, with the file's text now (none: no snippet is written). */
async function snippetTarget(deps: Deps, config: Config): Promise<SnippetTarget | undefined> {
  if (config.proxy === undefined) return undefined;
  const current = await deps.fs.readText(config.proxy.caddySnippet);
  return { path: config.proxy.caddySnippet, reload: config.proxy.reload, current: current ?? null };
}
