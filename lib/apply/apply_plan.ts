/**
 * Walks a Plan and calls adapters. Makes no decisions: it switches on `kind` alone, follows the
 * plan's failure edges ({@link actionNeeds}) and the pure rules of {@link settleInventory}, and
 * reports what happened.
 *
 * @module
 */
import type { Fs } from "../adapters/fs.ts";
import type { ProxyReload } from "../adapters/proxy_reload.ts";
import type { Scripts } from "../adapters/scripts.ts";
import type { Systemctl } from "../adapters/systemctl.ts";
import { logger } from "../log.ts";
import type { PullSettings } from "./pull_images.ts";
import {
  type AccountExec,
  accountOf,
  accountPulls,
  routedShow,
  systemctlOf,
} from "./account_exec.ts";
import { actionNeeds } from "../reconcile/action_needs.ts";
import type { ApplyResult } from "../reconcile/deployment_record.ts";
import type { ActionRecord } from "../reconcile/records.ts";
import {
  diedAfterStart,
  settleInventory,
  settleWait,
  type StepStatus,
  unloadedFailures,
} from "../reconcile/settle.ts";
import {
  type Action,
  actionService,
  actionTarget,
  type Plan,
  type SnippetAction,
} from "../reconcile/types.ts";
import type { InventoryUnit } from "../types/observed.ts";

export type { ApplyResult } from "../reconcile/deployment_record.ts";

const log = logger("apply");

/** What the executor calls. */
export interface ApplyDeps {
  readonly fs: Fs;
  readonly systemctl: Systemctl;
  readonly scripts: Scripts;
  readonly sleep: (ms: number) => Promise<void>;
  readonly clock: () => Date;
  /** For the plan's pull actions (without it they fail, saying so). */
  readonly pull?: PullSettings;
  /** Other accounts' adapters, for actions with `user` (without it those fail, saying so). */
  readonly accountExec?: (user: string) => AccountExec | undefined;
  /** Runs `[proxy] reload` after a proxy-snippet action (without it that reload fails). */
  readonly proxy?: ProxyReload;
}

/** Settings of one apply. */
export interface ApplyOptions {
  readonly quadletDir: string;
  /** ISO time written to the inventory. */
  readonly now: string;
  /** How long to wait for generated units after daemon-reload. */
  readonly loadTimeoutMs: number;
  /**
   * How long a (re)started unit must stay up to count as started, by systemd's ActiveEnterTimestamp:
   * after the last start the executor asks systemd, waits only for units younger than that, and
   * asks once more (no wait when nothing started or systemd gives no timestamp; without it, no
   * check).
   */
  readonly settleMs?: number;
  /**
   * The "reload pending" mark: written before the first unit write or remove, deleted after a
   * successful daemon-reload (see `reloadMarkPath`). Without it no mark is kept.
   */
  readonly reloadMark?: { readonly path: string; readonly root: string };
}

/**
 * Executes `plan` in order. Never throws for a failed step; the result says what failed. The
 * caller records {@link plannedUnits} before calling, so a run killed half-way still owns the
 * files it wrote.
 */
export async function applyPlan(
  plan: Plan,
  deps: ApplyDeps,
  opts: ApplyOptions,
): Promise<ApplyResult> {
  const needs = actionNeeds(plan.actions);
  const records: ActionRecord[] = [];
  const steps: StepStatus[] = [];
  const failedEarly = new Set<number>();
  let marked = false;
  // the mark goes once every manager's reload (hoist's own, each account's) succeeded
  const lastReload = plan.actions.findLastIndex((a) => a.kind === "daemon-reload");
  let reloadFailed = false;
  const started: number[] = [];
  const pull = accountPulls(plan.actions, deps);
  for (const [i, action] of plan.actions.entries()) {
    const base = {
      kind: action.kind,
      service: actionService(action) ?? "",
      unit: actionTarget(action),
      reason: action.reason,
    };
    if (failedEarly.has(i) || (needs[i] ?? []).some((j) => steps[j] === "failed")) {
      records.push({ ...base, result: "skipped" });
      steps[i] = failedEarly.has(i) ? "failed" : "skipped";
      continue;
    }
    log.debug("{kind} {unit} ({service}): {reason}", { ...base });
    const mark = opts.reloadMark;
    if (mark && !marked && (action.kind === "write" || action.kind === "remove")) {
      marked = true;
      await deps.fs.writeAtomic(mark.path, `${plan.revision}\n`, 0o600);
    }
    const error = await execute(action, deps, opts, () => pull(i)).catch((e) =>
      e instanceof Error ? e.message : String(e)
    );
    if ((action.kind === "start" || action.kind === "restart") && error === undefined) {
      started.push(i);
    }
    if (action.kind === "daemon-reload" && error !== undefined) reloadFailed = true;
    if (mark && i === lastReload && !reloadFailed) {
      await deps.fs.remove(mark.path, mark.root);
    }
    steps[i] = error === undefined ? "ok" : "failed";
    records.push(
      error === undefined ? { ...base, result: "ok" } : { ...base, result: "failed", error },
    );
    if (error !== undefined) log.warn("{kind} {unit} failed: {error}", { ...base, error });
    if (action.kind === "daemon-reload" && error === undefined) {
      const manager = { ...deps, systemctl: systemctlOf(action.user, deps) };
      const missing = await waitLoaded(action.waitFor, manager, opts.loadTimeoutMs)
        .catch(() => [...action.waitFor]); // cannot tell: treat every unit as not loaded
      for (const f of unloadedFailures(plan.actions, i, missing)) {
        records.push(f.record);
        failedEarly.add(f.index);
      }
    }
  }
  if (opts.settleMs !== undefined && started.length > 0) {
    const routed = {
      ...deps,
      systemctl: { ...deps.systemctl, show: routedShow(plan.actions, deps) },
    };
    for (const f of await settleFailures(plan.actions, started, routed, opts.settleMs)) {
      records.push(f.record);
      steps[f.index] = "failed";
      log.warn("{unit} ({service}) failed: {error}", { ...f.record });
    }
  }
  return {
    actions: records,
    inventory: settleInventory(plan, steps, opts.now),
    failed: records.some((r) => r.result !== "ok"),
  };
}

/**
 * The started actions whose units are down once they have been active for `settleMs` (by
 * systemd's clock): one `show` now, and one more after the wait when some unit is younger.
 */
async function settleFailures(
  actions: readonly Action[],
  started: readonly number[],
  deps: ApplyDeps,
  settleMs: number,
): Promise<{ index: number; record: ActionRecord }[]> {
  const units = [...new Set(started.flatMap((i) => unitsOf(actions[i])))];
  try {
    let states = await deps.systemctl.show(units);
    const wait = settleWait(units, states, deps.clock().getTime(), settleMs);
    if (wait > 0) {
      await deps.sleep(wait);
      states = await deps.systemctl.show(units);
    }
    return diedAfterStart(actions, started, states);
  } catch {
    return []; // cannot tell: the starts themselves succeeded
  }
}

function unitsOf(a: Action | undefined): readonly string[] {
  return a !== undefined && (a.kind === "start" || a.kind === "restart") ? a.units : [];
}

/** The unit files `plan` may write, to record as hoist's before anything is written. */
export function plannedUnits(plan: Plan): InventoryUnit[] {
  return plan.actions.flatMap((a) =>
    a.kind === "write"
      ? [{
        path: a.unit,
        service: a.service,
        serviceUnit: a.serviceUnit,
        ...(a.user === undefined ? {} : { user: a.user }),
      }]
      : []
  );
}

/** Runs one action; returns an error message for an expected failure. */
async function execute(
  action: Action,
  deps: ApplyDeps,
  opts: ApplyOptions,
  pull: () => Promise<string | undefined>,
): Promise<string | undefined> {
  switch (action.kind) {
    case "pull":
      return await pull();
    case "copy":
      await deps.fs.createFolder(action.dir, action.files);
      if (action.scope === "service" && action.user !== undefined) {
        await accountOf(action.user, deps).shareCopy(action.dir);
      }
      return;
    case "prune":
      for (const dir of action.dirs) await deps.fs.removeTree(dir);
      return;
    case "write":
      if (action.user !== undefined) {
        await accountOf(action.user, deps).files.write(action.unit, action.content);
        return;
      }
      await deps.fs.writeAtomic(`${opts.quadletDir}/${action.unit}`, action.content, 0o644);
      return;
    case "remove":
      if (action.user !== undefined) {
        await accountOf(action.user, deps).files.remove(action.unit);
        return;
      }
      await deps.fs.remove(`${opts.quadletDir}/${action.unit}`, opts.quadletDir);
      return;
    case "daemon-reload":
      await systemctlOf(action.user, deps).daemonReload();
      return;
    case "start": {
      const ctl = systemctlOf(action.user, deps);
      if (action.resetFailed) await ctl.resetFailed(action.units);
      await ctl.start(action.units);
      return;
    }
    case "restart": {
      const ctl = systemctlOf(action.user, deps);
      if (action.resetFailed) await ctl.resetFailed(action.units);
      await ctl.restart(action.units);
      return;
    }
    case "stop":
      await systemctlOf(action.user, deps).stop(action.units);
      return;
    case "proxy-snippet":
      return await writeSnippet(action, deps);
    case "run-script": {
      await deps.fs.mkdirp(action.cwd);
      const r = await deps.scripts.run(action.script, action.cwd, {
        HOIST_PHASE: action.phase,
        ...(action.service === undefined ? {} : { HOIST_SERVICE: action.service }),
      });
      return r.code === 0 ? undefined : `${action.phase}.script exited ${r.code}: ${r.output}`;
    }
  }
}

/**
 * Writes the snippet, then runs the reload command. A failed reload puts the previous text back
 * (or removes a first snippet): the file stays what the proxy runs, and the next run, seeing the
 * difference again, tries again.
 */
async function writeSnippet(a: SnippetAction, deps: ApplyDeps): Promise<string | undefined> {
  await deps.fs.writeAtomic(a.path, a.content, 0o644);
  if (a.reload.length === 0) return;
  try {
    if (deps.proxy === undefined) throw new Error("no reload command runner");
    await deps.proxy.reload(a.reload);
    return;
  } catch (e) {
    if (a.previous === null) await deps.fs.remove(a.path, a.path.slice(0, a.path.lastIndexOf("/")));
    else await deps.fs.writeAtomic(a.path, a.previous, 0o644);
    const why = e instanceof Error ? e.message : String(e);
    return `reload failed, ${a.path} put back as it was: ${why}`;
  }
}

/** Polls until systemd has loaded every unit (quadlet's generator ran); returns those still missing. */
async function waitLoaded(
  units: readonly string[],
  deps: ApplyDeps,
  timeoutMs: number,
): Promise<string[]> {
  if (units.length === 0) return [];
  const deadline = deps.clock().getTime() + timeoutMs;
  let missing: string[] = [];
  do {
    const states = await deps.systemctl.show(units);
    missing = units.filter((u) => states.get(u)?.load !== "loaded");
    if (missing.length === 0) return [];
    await deps.sleep(200);
  } while (deps.clock().getTime() < deadline);
  return missing;
}
