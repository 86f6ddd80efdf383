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
import type { GateResult } from "../apply/health_gate.ts";
import type { AccountExec } from "../apply/account_exec.ts";
import { createHealthProbes } from "../adapters/health_probe.ts";
import { createUnitFacts } from "../adapters/unit_facts.ts";
import { readyServices } from "../desired/types.ts";
import { type HeldBack, holdBack } from "../health/breaker.ts";
import { rolloutGate } from "../health/rollout_gate.ts";
import { composeTargets } from "../health/compose_checks.ts";
import { serviceUnitsOf } from "../reconcile/service_state.ts";
import { keepStopped, type RecordedStop } from "../reconcile/keep_stopped.ts";
import { clearStops, recordedStops } from "../state/remote_store.ts";
import { withKeyWarnings } from "../remote/key_warnings.ts";
import { type SnippetTarget, withProxySnippet } from "../reconcile/proxy_action.ts";
import { createProxyReload } from "../adapters/proxy_reload.ts";
import type { ManualRollback } from "../apply/manual_rollback.ts";
import type { DeploymentRow } from "../state/store_deployments.ts";
import type { HealthHistoryRow, RollbackRecord } from "../state/health_records.ts";
import { readPrefixedUnits, reloadMarkPath } from "../observed/collect_observed.ts";
import { adoptInventory } from "../reconcile/adopt.ts";
import { deploymentRecord } from "../reconcile/deployment_record.ts";
import type { Store } from "../state/store.ts";
import { withEarlyListing } from "../observed/early_listing.ts";
import { fetchSources } from "./fetch_sources.ts";
import { openConfigStore, withLockedStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";
import { planFromSources, type PlanResult } from "./plan_sources.ts";
import { pullSettings } from "./pull_settings.ts";
import { dropStaleAuthFile } from "./registry_auth.ts";
import { createPodmanImages } from "../adapters/podman_images.ts";
import { accountExecs } from "./account_execs.ts";

const log = logger("run");

/**
 * How long a unit hoist (re)started must stay up to count as started (a container that exits a
 * second after `start` returned is a failed start). Spent once per apply that starts something,
 * counted from the last start; a no-op waits for nothing.
 */
const SETTLE_MS = 1_500;

/** How to run. */
export interface RunOptions {
  readonly dryRun: boolean;
  readonly lockTimeoutMs: number;
  /** Accept, once, a commit that does not descend from the last deployed one. */
  readonly allowRollback: boolean;
  /**
   * After a lost state DB: own again the unit files carrying hoist's labels and accept the
   * fetched commits as the last deployed ones (see {@link adoptOrRefuse}).
   */
  readonly adopt?: boolean;
  /** Deploy these services' desired hash even if it failed health here before (the breaker). */
  readonly retryFailed?: readonly string[];
  /** `hoist apply --now`: deploy outside the `[rollout]` windows and before `min_commit_age`. */
  readonly now?: boolean;
}

/** The plan, and what applying it did (absent for dry runs and blocked plans). */
export interface RunResult extends PlanResult {
  readonly applied?: ApplyResult;
  readonly deploymentId?: number;
  /** Services the breaker kept at their running revision. */
  readonly heldBack?: readonly HeldBack[];
  /** One line per service the health gate rolled back or left down. */
  readonly rolledBack?: readonly string[];
  /** The health gate's rollbacks, as recorded (notifications tell of them). */
  readonly rollbacks?: readonly RollbackRecord[];
  /** Services stopped through the remote API and left stopped. */
  readonly stopped?: readonly RecordedStop[];
  /** Set when `[rollout]` holds the changes: nothing was applied; why, and until when (ISO). */
  readonly waiting?: { readonly reason: string; readonly until?: string };
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

/**
 * A state DB with no inventory while quadlet_dir holds unit files with hoist's labels is a lost
 * DB, not a fresh install: hoist would forget to stop what it owns and take any commit (no
 * anti-rollback baseline). Without `adopt` that is an error naming the recovery; with it, the
 * inventory is rebuilt from the files ({@link adoptInventory}), recorded (a real apply) together
 * with the fetched commits as the new anti-rollback baseline, and the plan made again against it.
 */
async function adoptOrRefuse(
  deps: Deps,
  config: Config,
  store: Store,
  planned: PlanResult,
  opts: RunOptions,
  startedAt: string,
): Promise<PlanResult> {
  const inv = planned.observed.inventory;
  if (inv.services.size > 0 || inv.units.size > 0) return planned;
  const files = await readPrefixedUnits(deps.fs, config.quadletDir, config.unitPrefix);
  const adopted = adoptInventory(files, config.unitPrefix, startedAt);
  if (adopted.units.size === 0) return planned;
  const names = [...adopted.services.keys()].sort();
  if (!opts.adopt) {
    throw new HoistError(
      "state-failed",
      `${config.stateDir}/state.db records nothing, but ${config.quadletDir} holds ${adopted.units.size} unit file(s) hoist wrote (services ${
        names.join(", ")
      }): the state DB was lost or emptied; refusing to start afresh (that would leave those services unmanaged and accept any commit)`,
      "Run `hoist apply --adopt --dry-run` to see the plan, then `hoist apply --adopt`: it owns those files again and accepts the commit now fetched as the last deployed one",
    );
  }
  if (!opts.dryRun) {
    store.recordDeployment({
      startedAt,
      finishedAt: startedAt,
      host: config.host,
      revision: planned.plan.revision,
      status: "ok",
      actions: [],
      inventory: {
        upsertUnits: [...adopted.units.values()],
        deleteUnits: [],
        upsertServices: [...adopted.services.values()],
        deleteServices: [],
      },
      sources: planned.fetched.flatMap((f) => f.records).map((r) => ({
        ...r,
        deployedAt: startedAt,
      })),
    });
    store.recordEvent(startedAt, "adopted", `adopted ${names.join(", ")} from their unit files`);
    return await planFromSources(deps, config, planned.fetched, store, { dryRun: false });
  }
  const adopting: Store = {
    ...store,
    loadInventory: () => ({
      ...adopted,
      services: new Map(adopted.services),
      units: new Map(adopted.units),
    }),
  };
  return await planFromSources(deps, config, planned.fetched, adopting, { dryRun: true });
}

async function applyAndRecord(
  deps: Deps,
  config: Config,
  store: Store,
  planned: PlanResult & { readonly heldBack: readonly HeldBack[] },
  startedAt: string,
): Promise<RunResult> {
  store.recordUnits(plannedUnits(planned.plan));
  const accounts = accountExecs(deps, config, planned.observed.accounts);
  const executed = await applyPlan(planned.plan, {
    ...deps,
    pull: pullSettings(deps, config),
    proxy: createProxyReload(deps.run),
    ...(accounts === undefined ? {} : { accountExec: accounts }),
  }, {
    quadletDir: config.quadletDir,
    now: startedAt,
    loadTimeoutMs: 10_000,
    settleMs: SETTLE_MS,
    reloadMark: { path: reloadMarkPath(config.stateDir), root: config.stateDir },
  });
  // the health gate judges only what this run (re)started; a plan that starts nothing loads none
  // of its code (nor the YAML parser its settings need)
  const starts = planned.plan.actions.some((a) => a.kind === "start" || a.kind === "restart");
  const gate: GateResult = !starts ? noGate(executed) : await (await import(
    "../apply/health_gate.ts"
  )).healthGate({
    plan: planned.plan,
    applied: executed,
    prev: planned.observed.inventory.services,
    services: gatedServices(planned),
    healthy: store.healthyRevisions(),
    failed: store.failedHashes(),
    quadletDir: config.quadletDir,
  }, {
    fs: deps.fs,
    systemctl: deps.systemctl,
    facts: createUnitFacts(deps.run, config.mode),
    probes: createHealthProbes(deps.run),
    clock: deps.clock,
    sleep: deps.sleep,
    // services of other accounts (user =) are judged through their manager and podman
    ...(accounts === undefined ? {} : { accountExec: accounts }),
  });
  const applied = gate.applied;
  // [images] prune: after a deploy that pulled or removed something and passed its health gate
  if (
    !applied.failed && gate.lines.length === 0 &&
    planned.plan.actions.some((a) => a.kind === "pull" || a.kind === "remove")
  ) {
    const { pruneImages } = await import("./image_prune.ts");
    await pruneImages(deps, config, planned.desired, createPodmanImages(deps.run));
  }
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
  if (deploymentId !== undefined) store.pruneDeployments(config.state.keepDeployments);
  const h = gate.recording;
  if (h.checks.length + h.rollbacks.length + h.healthy.length + h.failed.length > 0) {
    store.recordHealth(deploymentId, h);
  }
  return {
    ...planned,
    applied,
    rolledBack: gate.lines,
    rollbacks: gate.recording.rollbacks,
    ...(deploymentId === undefined ? {} : { deploymentId }),
  };
}

/** `[proxy]`'s snippet path and reload, with the file's text now (none: no snippet is written). */
async function snippetTarget(deps: Deps, config: Config): Promise<SnippetTarget | undefined> {
  if (config.proxy === undefined) return undefined;
  const current = await deps.fs.readText(config.proxy.caddySnippet);
  return { path: config.proxy.caddySnippet, reload: config.proxy.reload, current: current ?? null };
}

/** The health gate's result for a run that started nothing: nothing judged, nothing recorded. */
function noGate(applied: ApplyResult): GateResult {
  return { applied, recording: { checks: [], rollbacks: [], healthy: [], failed: [] }, lines: [] };
}

/**
 * Each ready service's health settings (config.yml's `services.<name>.health`, else the agent
 * config's; absent: the default) and the revision a pass records as healthy.
 */
function gatedServices(planned: PlanResult) {
  return new Map(
    readyServices(planned.desired.services).map((s) => {
      return [s.name, {
        ...(s.health === undefined ? {} : { health: s.health }),
        ...composeOf(s),
        dependsOn: s.dependsOn,
        revision: {
          service: s.name,
          hash: s.hash,
          units: s.units.map((u) => ({
            path: u.path,
            serviceUnit: u.serviceUnit,
            content: u.content,
          })),
          inputs: s.inputs,
          serviceUnits: serviceUnitsOf(s, "all"),
          ...(s.files.length > 0 ? { dir: s.dir } : {}),
        },
      }] as const;
    }),
  );
}

/** A compose project's compose services and the settings each is judged by, if it is one. */
function composeOf(s: Parameters<typeof composeTargets>[0]) {
  const compose = composeTargets(s);
  return compose.length === 0 ? {} : { compose };
}

/** `hoist rollback SERVICE [--to HASH|REVISION] [--dry-run]`, under the apply lock. */
export function runRollback(
  deps: Deps,
  config: Config,
  opts: { service: string; to?: string; dryRun: boolean; lockTimeoutMs: number },
): Promise<Outcome<ManualRollback>> {
  return attempt(() =>
    withLockedStore(
      deps,
      config,
      opts.lockTimeoutMs,
      async (store) =>
        (await import("../apply/manual_rollback.ts")).manualRollback(store, {
          fs: deps.fs,
          systemctl: deps.systemctl,
          facts: createUnitFacts(deps.run, config.mode),
          probes: createHealthProbes(deps.run),
          clock: deps.clock,
          sleep: deps.sleep,
          ...await rollbackAccount(deps, config, store, opts.service),
        }, {
          service: opts.service,
          ...(opts.to === undefined ? {} : { to: opts.to }),
          dryRun: opts.dryRun,
          quadletDir: config.quadletDir,
          host: config.host,
        }),
    )
  );
}

/** The account adapters `hoist rollback SERVICE` needs when SERVICE runs as another account. */
async function rollbackAccount(
  deps: Deps,
  config: Config,
  store: Store,
  service: string,
): Promise<{ accountExec?: (user: string) => AccountExec | undefined }> {
  const user = store.loadInventory().services.get(service)?.user;
  if (user === undefined || deps.accounts === undefined) return {};
  const exec = accountExecs(deps, config, await deps.accounts.lookup([user]));
  return exec === undefined ? {} : { accountExec: exec };
}

/** One deployment with the health checks and rollbacks recorded with it. */
export interface HistoryEntry {
  readonly deployment: DeploymentRow;
  readonly health: readonly HealthHistoryRow[];
}

/**
 * `hoist history [SERVICE]`: the last `limit` deployments, newest first, each with its health
 * verdicts and rollbacks (with SERVICE: only those that judged or rolled back that service).
 */
export function runHistory(
  deps: Deps,
  config: Config,
  opts: { service?: string; limit: number },
): Promise<Outcome<HistoryEntry[]>> {
  return attempt(async () => {
    const store = await openConfigStore(deps, config);
    try {
      const health = store.healthHistory(opts.service, opts.limit * 20);
      const deployments = store.deployments(
        opts.service === undefined ? opts.limit : opts.limit * 20,
      );
      return deployments
        .map((d) => ({
          deployment: d,
          health: inRunOrder(health.filter((h) => h.deploymentId === d.id).reverse()),
        }))
        .filter((e) => opts.service === undefined || e.health.length > 0)
        .slice(0, opts.limit);
    } finally {
      store.close();
    }
  });
}

/** Per service: its verdict, then its rollback, then the rolled-back revision's verdict. */
function inRunOrder(rows: readonly HealthHistoryRow[]): HealthHistoryRow[] {
  const rank = (h: HealthHistoryRow) => h.type === "rollback" ? 1 : h.phase === "deploy" ? 0 : 2;
  return [...rows].sort((a, b) =>
    a.service < b.service ? -1 : a.service > b.service ? 1 : rank(a) - rank(b)
  );
}
