/**
 * The rules applied to an executed plan: which starts fail because systemd did not load their
 * unit, and which inventory changes are kept. Pure.
 *
 * @module
 */
import type { InventoryService, InventoryUnit } from "../types/observed.ts";
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
      upsertUnits.push({ path: a.unit, service: a.service, serviceUnit: a.serviceUnit });
    }
    if (a.kind === "remove") deleteUnits.push(a.unit);
  });
  const aborted = plan.actions.some((a, i) =>
    steps[i] === "failed" &&
    ((a.kind === "run-script" && a.phase === "pre") || (a.kind === "copy" && a.scope === "host"))
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
      changedAt: now,
    });
  }
  return {
    upsertUnits: [...new Map(upsertUnits.map((u) => [u.path, u])).values()],
    deleteUnits,
    upsertServices,
    deleteServices,
  };
}
