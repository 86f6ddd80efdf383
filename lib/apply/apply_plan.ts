/**
 * Walks a Plan and calls adapters. Makes no decisions: it switches on `kind` alone, skips what
 * depends on a failed step, and reports what happened.
 *
 * @module
 */
import type { Fs } from "../adapters/fs.ts";
import type { Scripts } from "../adapters/scripts.ts";
import type { Systemctl } from "../adapters/systemctl.ts";
import type { InventoryService, InventoryUnit } from "../observed/types.ts";
import type { Action, Plan } from "../reconcile/types.ts";
import type { ActionRecord, InventoryUpdate } from "../state/store.ts";
import { logger } from "../log.ts";

const log = logger("apply");

/** What the executor calls. */
export interface ApplyDeps {
  readonly fs: Fs;
  readonly systemctl: Systemctl;
  readonly scripts: Scripts;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Settings of one apply. */
export interface ApplyOptions {
  readonly quadletDir: string;
  /** ISO time written to the inventory. */
  readonly now: string;
  /** How long to wait for generated units after daemon-reload. */
  readonly loadTimeoutMs: number;
}

/** What apply did. */
export interface ApplyResult {
  readonly actions: readonly ActionRecord[];
  readonly inventory: InventoryUpdate;
  readonly failed: boolean;
}

function target(a: Action): string {
  switch (a.kind) {
    case "write":
    case "remove":
      return a.unit;
    case "copy":
      return a.dir;
    case "prune":
      return a.dirs.join(" ");
    case "daemon-reload":
      return "";
    case "run-script":
      return a.phase;
    default:
      return a.units.join(" ");
  }
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
  const records: ActionRecord[] = [];
  const failedServices = new Set<string>();
  let abort = false;
  let reloadFailed = false;
  const upsertUnits: InventoryUnit[] = [];
  const deleteUnits: string[] = [];

  for (const action of plan.actions) {
    const service = "service" in action ? action.service : "";
    const base = { kind: action.kind, service, unit: target(action), reason: action.reason };
    const dependsOnReload = action.kind === "start" || action.kind === "restart";
    if (
      abort || (service !== "" && failedServices.has(service)) || (dependsOnReload && reloadFailed)
    ) {
      records.push({ ...base, result: "skipped" });
      continue;
    }
    if (action.kind === "daemon-reload") {
      try {
        await deps.systemctl.daemonReload();
      } catch (e) {
        records.push({
          ...base,
          result: "failed",
          error: e instanceof Error ? e.message : String(e),
        });
        reloadFailed = true;
        continue;
      }
      let missing: string[];
      try {
        missing = await waitLoaded(action.waitFor, deps, opts.loadTimeoutMs);
      } catch {
        missing = [...action.waitFor]; // cannot tell: treat every unit as not loaded
      }
      records.push({ ...base, result: "ok" });
      for (const a of plan.actions) {
        if (
          (a.kind === "start" || a.kind === "restart") && a.units.some((u) => missing.includes(u))
        ) {
          failedServices.add(a.service);
          records.push({
            kind: a.kind,
            service: a.service,
            unit: a.units.filter((u) => missing.includes(u)).join(" "),
            reason: "waiting for the generated unit",
            result: "failed",
            error: `systemd has not loaded ${
              missing.filter((u) => a.units.includes(u)).join(", ")
            } after daemon-reload; the quadlet generator probably rejected it`,
          });
        }
      }
      continue;
    }
    log.debug("{kind} {unit} ({service}): {reason}", { ...base });
    try {
      const error = await execute(action, deps, opts);
      if (error === undefined) {
        records.push({ ...base, result: "ok" });
        if (action.kind === "write") {
          upsertUnits.push({
            path: action.unit,
            service: action.service,
            serviceUnit: action.serviceUnit,
          });
        }
        if (action.kind === "remove") deleteUnits.push(action.unit);
        continue;
      }
      records.push({ ...base, result: "failed", error });
      log.warn("{kind} {unit} failed: {error}", { ...base, error });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      records.push({ ...base, result: "failed", error });
      log.warn("{kind} {unit} failed: {error}", { ...base, error });
    }
    // a failed pre.script or host copy leaves nothing safe to do; other failures stop their service
    if (
      (action.kind === "run-script" && action.phase === "pre") ||
      (action.kind === "copy" && service === "")
    ) {
      abort = true;
    } else if (service !== "") failedServices.add(service);
  }

  const writeFailed = new Set(
    records.filter((r) =>
      r.result !== "ok" && (r.kind === "write" || r.kind === "remove" || r.kind === "stop")
    )
      .map((r) => r.service),
  );
  // The recorded hash moves only once the service runs it: a skipped or failed (re)start leaves
  // the old hash, so the next run tries again (pods and kube units carry no hash label to tell).
  const startFailed = new Set(
    records.filter((r) => r.result !== "ok" && (r.kind === "start" || r.kind === "restart"))
      .map((r) => r.service),
  );
  const upsertServices: InventoryService[] = [];
  const deleteServices: string[] = [];
  for (const change of plan.inventory) {
    if (abort || writeFailed.has(change.service)) continue;
    if (change.record === null) deleteServices.push(change.service);
    else {
      for (const u of change.record.units) {
        upsertUnits.push({ path: u.path, service: change.service, serviceUnit: u.serviceUnit });
      }
      if (startFailed.has(change.service)) continue;
      upsertServices.push({
        name: change.service,
        hash: change.record.hash,
        inputs: change.record.inputs,
        serviceUnits: change.record.serviceUnits,
        revision: plan.revision,
        changedAt: opts.now,
      });
    }
  }
  return {
    actions: records,
    inventory: {
      upsertUnits: [...new Map(upsertUnits.map((u) => [u.path, u])).values()],
      deleteUnits,
      upsertServices,
      deleteServices,
    },
    failed: records.some((r) => r.result !== "ok"),
  };
}

/** The unit files `plan` may write, to record as hoist's before anything is written. */
export function plannedUnits(plan: Plan): InventoryUnit[] {
  return plan.actions.flatMap((a) =>
    a.kind === "write" ? [{ path: a.unit, service: a.service, serviceUnit: a.serviceUnit }] : []
  );
}

/** Runs one action; returns an error message for an expected failure. */
async function execute(
  action: Action,
  deps: ApplyDeps,
  opts: ApplyOptions,
): Promise<string | undefined> {
  switch (action.kind) {
    case "copy":
      await deps.fs.createFolder(action.dir, action.files);
      return;
    case "prune":
      for (const dir of action.dirs) await deps.fs.removeTree(dir);
      return;
    case "write":
      await deps.fs.writeAtomic(
        `${opts.quadletDir}/${action.unit}`,
        action.content,
        0o644,
      );
      return;
    case "remove":
      await deps.fs.remove(`${opts.quadletDir}/${action.unit}`, opts.quadletDir);
      return;
    case "daemon-reload":
      await deps.systemctl.daemonReload();
      return;
    case "start":
      await deps.systemctl.start(action.units);
      return;
    case "restart":
      await deps.systemctl.restart(action.units);
      return;
    case "stop":
      await deps.systemctl.stop(action.units);
      return;
    case "run-script": {
      await deps.fs.mkdirp(action.cwd);
      const r = await deps.scripts.run(action.script, action.cwd, { HOIST_PHASE: action.phase });
      return r.code === 0 ? undefined : `${action.phase}.script exited ${r.code}: ${r.output}`;
    }
  }
}

/** Polls until systemd has loaded every unit (quadlet's generator ran); returns those still missing. */
async function waitLoaded(
  units: readonly string[],
  deps: ApplyDeps,
  timeoutMs: number,
): Promise<string[]> {
  if (units.length === 0) return [];
  const deadline = Date.now() + timeoutMs;
  let missing: string[] = [];
  do {
    const states = await deps.systemctl.show(units);
    missing = units.filter((u) => states.get(u)?.load !== "loaded");
    if (missing.length === 0) return [];
    await deps.sleep(200);
  } while (Date.now() < deadline);
  return missing;
}
