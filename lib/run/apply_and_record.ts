/**
 * The apply step of a run ({@link applyAndRecord}): execute the plan, let the health gate judge
 * what it (re)started, prune images after a deploy that passed, and record the deployment, its
 * events and its health.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { applyPlan, type ApplyResult, plannedUnits } from "../apply/apply_plan.ts";
import type { GateResult } from "../apply/health_gate.ts";
import { gateAdapters } from "./gate_adapters.ts";
import { readyServices } from "../desired/types.ts";
import type { HeldBack } from "../health/breaker.ts";
import { composeTargets } from "../health/compose_checks.ts";
import { serviceUnitsOf } from "../reconcile/service_state.ts";
import { createProxyReload } from "../adapters/proxy_reload.ts";
import { reloadMarkPath } from "../observed/collect_observed.ts";
import { deploymentRecord } from "../reconcile/deployment_record.ts";
import type { Store } from "../state/store.ts";
import type { PlanResult } from "./plan_sources.ts";
import { pullSettings } from "./pull_settings.ts";
import { createPodmanImages } from "../adapters/podman_images.ts";
import { accountExecs } from "./account_execs.ts";
import type { RunResult } from "./run_result.ts";

/**
 * How long a unit hoist (re)started must stay up to count as started (a container that exits a
 * second after `start` returned is a failed start). Spent once per apply that starts something,
 * counted from the last start; a no-op waits for nothing.
 */
const SETTLE_MS = 1_500;

/** Applies `planned`, runs the health gate on what it (re)started, and records the run. */
export async function applyAndRecord(
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
    ...gateAdapters(deps, config),
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
