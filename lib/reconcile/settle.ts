/**
 * The rules applied to an executed plan: which starts fail because systemd did not load their
 * unit, and which inventory changes are kept. Pure.
 *
 * @module
 */
import type { InventoryService, InventoryUnit, UnitState } from "../types/observed.ts";
import { UP } from "./service_state.ts";
import type { ActionRecord, InventoryUpdate } from "./records.ts";
import type { Action, Plan } from "./types.ts";

/** What became of one action of the plan (by the same index). */
export type StepStatus = "ok" | "failed" | "skipped";

/**
 * After a daemon-reload, every later start or restart with a unit systemd has not loaded fails
 * (the quadlet generator probably rejected its file): one record each, naming the units.
 */
export function unloadedFailures(
  actions: readonly Action[],
  after: number,
  notLoaded: readonly string[],
): { index: number; record: ActionRecord }[] {
  if (notLoaded.length === 0) return [];
  return actions.flatMap((a, index) => {
    if (index <= after || (a.kind !== "start" && a.kind !== "restart")) return [];
    const missing = a.units.filter((u) => notLoaded.includes(u));
    if (missing.length === 0) return [];
    return [{
      index,
      record: {
        kind: a.kind,
        service: a.service,
        unit: missing.join(" "),
        reason: "waiting for the generated unit",
        result: "failed",
        error: `systemd has not loaded ${
          missing.join(", ")
        } after daemon-reload; the quadlet generator probably rejected it`,
      },
    }];
  });
}

/**
 * How long to wait before judging the started units (ms, 0: judge now): until every unit that is
 * up has been active for `settleMs` by systemd's ActiveEnterTimestamp. A unit systemd gives no
 * timestamp for, or one already down, needs no wait.
 */
export function settleWait(
  units: readonly string[],
  states: ReadonlyMap<string, UnitState>,
  now: number,
  settleMs: number,
): number {
  let wait = 0;
  for (const u of units) {
    const s = states.get(u);
    if (s?.activeSince === undefined || !UP.has(s.active)) continue;
    wait = Math.max(wait, s.activeSince + settleMs - now);
  }
  return Math.min(wait, settleMs);
}

/**
 * A moment after the starts and restarts, each of those that succeeded whose units are no longer
 * up (the container died right after systemd reported it started, or systemd is restarting it)
 * fails: one record each, naming the units and their state. `states` is one `systemctl show` of
 * them.
 */
export function diedAfterStart(
  actions: readonly Action[],
  started: readonly number[],
  states: ReadonlyMap<string, UnitState>,
): { index: number; record: ActionRecord }[] {
  return started.flatMap((index) => {
    const a = actions[index];
    if (a === undefined || (a.kind !== "start" && a.kind !== "restart")) return [];
    const down = a.units.filter((u) => {
      const s = states.get(u);
      return s === undefined || !UP.has(s.active) || s.sub === "auto-restart";
    });
    if (down.length === 0) return [];
    const how = down.map((u) => {
      const s = states.get(u);
      const result = s?.result !== undefined && s.result !== "success" ? `, ${s.result}` : "";
      return `${u} ${s?.active ?? "unknown"} (${s?.sub ?? "?"}${result})`;
    });
    return [{
      index,
      record: {
        kind: a.kind,
        service: a.service,
        unit: down.join(" "),
        reason: "up a moment after it started",
        result: "failed",
        error: `${how.join(", ")} right after it started: see journalctl -u ${down[0]}`,
      },
    }];
  });
}

/**
 * The inventory changes an executed plan makes. Unit files count as hoist's once written; a
 * service whose write, remove or stop did not succeed keeps its inventory entry as it was; its
 * recorded hash moves only once its (re)start succeeded (pods and kube units carry no hash label
 * to tell), so the next run tries again. After a failed pre.script or host copy nothing changes.
 */
export function settleInventory(
  plan: Plan,
  steps: readonly StepStatus[],
  now: string,
): InventoryUpdate {
  const upsertUnits: InventoryUnit[] = [];
  const deleteUnits: string[] = [];
  const notDone = (kinds: readonly Action["kind"][]) =>
    new Set(
      plan.actions.flatMap((a, i) =>
        kinds.includes(a.kind) && steps[i] !== "ok" && "service" in a ? [a.service] : []
      ),
    );
  plan.actions.forEach((a, i) => {
    if (steps[i] !== "ok") return;
    if (a.kind === "write") {
      upsertUnits.push({
        path: a.unit,
        service: a.service,
        serviceUnit: a.serviceUnit,
        ...(a.user === undefined ? {} : { user: a.user }),
      });
    }
    if (a.kind === "remove") deleteUnits.push(a.unit);
  });
  const aborted = plan.actions.some((a, i) =>
    steps[i] === "failed" &&
    ((a.kind === "run-script" && a.phase === "pre" && a.service === undefined) ||
      (a.kind === "copy" && a.scope === "host"))
  );
  const writeFailed = notDone(["write", "remove", "stop"]);
  const startFailed = notDone(["start", "restart"]);
  const upsertServices: InventoryService[] = [];
  const deleteServices: string[] = [];
  for (const change of plan.inventory) {
    if (aborted || writeFailed.has(change.service)) continue;
    if (change.record === null) {
      deleteServices.push(change.service);
      continue;
    }
    const user = change.record.user === undefined ? {} : { user: change.record.user };
    for (const u of change.record.units) {
      upsertUnits.push({
        path: u.path,
        service: change.service,
        serviceUnit: u.serviceUnit,
        ...user,
      });
    }
    if (startFailed.has(change.service)) continue;
    upsertServices.push({
      name: change.service,
      hash: change.record.hash,
      inputs: change.record.inputs,
      serviceUnits: change.record.serviceUnits,
      revision: plan.revision,
      changedAt: now,
      ...user,
    });
  }
  return {
    upsertUnits: [...new Map(upsertUnits.map((u) => [u.path, u])).values()],
    deleteUnits,
    upsertServices,
    deleteServices,
  };
}
