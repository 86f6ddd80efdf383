/**
 * The health gate after an apply: judges every service the apply (re)started, in parallel, each
 * bounded by its `window`; rolls each unhealthy one back to its last healthy revision (its units
 * written back, one daemon-reload per manager, a restart) and judges that again. A service that
 * runs as another account (`user =`) is looked at, and rolled back, through that account's
 * manager, quadlet folder and podman. Decides nothing
 * itself: {@link gateCandidates}, {@link judge}, {@link gateStep}, {@link rollbackTarget} and
 * {@link rolledBackInventory} do.
 *
 * @module
 */
import type { Fs } from "../adapters/fs.ts";
import type { HealthSettings } from "../desired/health_settings.ts";
import {
  type Candidate,
  gateCandidates,
  gateStep,
  rollbackUnits,
  rolledBackInventory,
  unblame,
} from "../health/gate_plan.ts";
import type { ComposeTarget } from "../health/compose_checks.ts";
import { rollbackLine, rollbackTarget } from "../health/rollback_target.ts";
import type { FailedHash, HealthyRevision, Verdict } from "../health/types.ts";
import { logger } from "../log.ts";
import type { ApplyResult } from "../reconcile/deployment_record.ts";
import type { ActionRecord } from "../reconcile/records.ts";
import type { Plan } from "../reconcile/types.ts";
import type {
  HealthCheckRecord,
  HealthRecording,
  RollbackRecord,
} from "../state/health_records.ts";
import type { InventoryService } from "../types/observed.ts";
import type { GateDeps } from "./gate_deps.ts";
import { judgeDeploy } from "./judge_checks.ts";
import { type RollbackItem, rollBackTo } from "./roll_back_to.ts";

const log = logger("health");

const PENDING: Verdict = { state: "pending", waitMs: 0 };

/** What the gate knows of the run. */
export interface GateInput {
  readonly plan: Plan;
  readonly applied: ApplyResult;
  /** The inventory before the apply. */
  readonly prev: ReadonlyMap<string, InventoryService>;
  /** The service's settings (absent: the default) and what passing records as healthy. */
  readonly services: ReadonlyMap<string, {
    readonly health?: HealthSettings;
    /** Services it depends on (Requires=, After=): an unhealthy one is blamed, not this one. */
    readonly dependsOn?: readonly string[];
    /** A compose project's compose services, each judged in its own container when restarted. */
    readonly compose?: readonly ComposeTarget[];
    readonly revision: Omit<HealthyRevision, "at" | "revision">;
  }>;
  readonly healthy: readonly HealthyRevision[];
  readonly failed: readonly FailedHash[];
  readonly quadletDir: string;
}

/** The apply's result with the gate's records added, and what to record in the health tables. */
export interface GateResult {
  readonly applied: ApplyResult;
  readonly recording: HealthRecording;
  /** One line per service rolled back or left down (`web: rolled back 3f2a… → 9c1d… (…)`). */
  readonly lines: readonly string[];
}

/** Runs the gate. Never throws for a service's failure; the records say what happened. */
export async function healthGate(input: GateInput, deps: GateDeps): Promise<GateResult> {
  const candidates = gateCandidates(input.plan, input.applied, input.prev);
  if (candidates.length === 0) {
    return {
      applied: input.applied,
      recording: { checks: [], rollbacks: [], healthy: [], failed: [] },
      lines: [],
    };
  }
  const judged = await Promise.all(
    candidates.map((c) => judgeDeploy(c, input.services.get(c.service), deps)),
  );
  const now = () => deps.clock().toISOString();
  const fair = unblame(
    new Map(candidates.map((c, i) => [c.service, judged[i]?.verdict ?? PENDING])),
    (svc) => input.services.get(svc)?.dependsOn ?? [],
  );
  const checks: HealthCheckRecord[] = judged.map((j, i) => {
    const v = fair.get(candidates[i]?.service ?? "");
    return v === undefined || v === j.verdict || v.state === "pending"
      ? j.check
      : { ...j.check, verdict: v.state, reason: v.reason };
  });
  const healthy: HealthyRevision[] = [];
  const failed: FailedHash[] = [];
  const rollbacks: RollbackRecord[] = [];
  const records: ActionRecord[] = [];
  const lines: string[] = [];
  const toRollBack: RollbackItem[] = [];
  let inventory = input.applied.inventory;
  for (const [i, c] of candidates.entries()) {
    const j = judged[i];
    const verdict = fair.get(c.service);
    if (j === undefined || verdict === undefined) continue;
    const step = gateStep(c, verdict);
    log.info("{service} {hash}: {verdict} ({reason})", {
      service: c.service,
      hash: c.hash.slice(0, 12),
      verdict: verdict.state,
      reason: checks[i]?.reason ?? "",
    });
    if (step.kind === "keep") {
      const rev = input.services.get(c.service)?.revision;
      if (rev !== undefined && rev.hash === c.hash) {
        healthy.push({ ...rev, revision: c.revision, at: j.check.finishedAt });
      }
    } else if (step.kind === "report") {
      // a failed start already has its record; only the gate's own finding needs one
      if (c.startError === undefined) {
        records.push(failure(c, `${c.service}: unhealthy (${step.reason})`));
        lines.push(`${c.service}: unhealthy (${step.reason})`);
      }
    } else if (step.kind === "roll-back") {
      failed.push({
        service: c.service,
        hash: c.hash,
        at: j.check.finishedAt,
        reason: step.reason,
      });
      const target = await pickTarget(c, input, deps.fs);
      if (target === undefined) {
        const line = rollbackLine(c.service, c.hash, undefined, step.reason);
        rollbacks.push({
          service: c.service,
          fromHash: c.hash,
          at: now(),
          reason: step.reason,
          result: "down",
        });
        records.push(failure(c, line));
        lines.push(line);
      } else {
        const composeUnits = (input.services.get(c.service)?.compose ?? []).map((t) => t.unit);
        toRollBack.push({
          c,
          target,
          reason: step.reason,
          failedPaths: unitPaths(input.plan, c),
          restart: rollbackUnits(c, target, composeUnits),
        });
      }
    }
  }
  if (toRollBack.length > 0) {
    const rolledAt = now();
    const done = await rollBackTo(toRollBack, {
      quadletDir: input.quadletDir,
      // the restored revision is judged by the default check (its image's HEALTHCHECK, else
      // settle), as `hoist rollback` judges it: the probe configured now came with the commit
      // that failed and may check what only the new revision serves (health is not in the hash)
      healthOf: (svc) => {
        const h = input.services.get(svc)?.health;
        return h?.probe.kind === "none" ? h : undefined;
      },
      composeOf: (svc) => input.services.get(svc)?.compose,
    }, deps);
    for (const [k, r] of toRollBack.entries()) {
      const out = done[k];
      if (out === undefined) continue;
      if (out.check !== undefined) checks.push(out.check);
      const ok = out.error === undefined && out.check?.verdict !== "unhealthy";
      const line = ok
        ? rollbackLine(r.c.service, r.c.hash, r.target.hash, r.reason)
        : `${
          rollbackLine(r.c.service, r.c.hash, r.target.hash, r.reason)
        }; the rollback failed too (${out.error ?? out.check?.reason ?? "unknown"}): down`;
      rollbacks.push({
        service: r.c.service,
        fromHash: r.c.hash,
        toHash: r.target.hash,
        toRevision: r.target.revision,
        at: rolledAt,
        reason: r.reason,
        result: ok ? "rolled-back" : "failed",
      });
      records.push({
        kind: "restart",
        service: r.c.service,
        unit: r.target.serviceUnits.join(" "),
        reason: `rollback to ${r.target.hash.slice(0, 12)} after failed health`,
        result: "failed",
        error: line,
      });
      lines.push(line);
      if (out.error === undefined) {
        inventory = rolledBackInventory(inventory, r.target, r.failedPaths, now(), r.c.user);
      }
    }
  }
  return {
    applied: {
      actions: [...input.applied.actions, ...records],
      inventory,
      failed: input.applied.failed || records.length > 0,
    },
    recording: { checks, rollbacks, healthy, failed },
    lines,
  };
}

function failure(c: Candidate, error: string): ActionRecord {
  return {
    kind: "restart",
    service: c.service,
    unit: c.units.join(" "),
    reason: "health check",
    result: "failed",
    error,
  };
}

/** The unit files the failed revision has (written by the plan or recorded for it). */
function unitPaths(plan: Plan, c: Candidate): string[] {
  const change = plan.inventory.find((x) => x.service === c.service)?.record;
  return [
    ...new Set([
      ...(change?.units.map((u) => u.path) ?? []),
      ...plan.actions.flatMap((a) => a.kind === "write" && a.service === c.service ? [a.unit] : []),
    ]),
  ];
}

async function pickTarget(
  c: Candidate,
  input: GateInput,
  fs: Fs,
): Promise<HealthyRevision | undefined> {
  const dirs = input.healthy.flatMap((h) => h.service === c.service && h.dir ? [h.dir] : []);
  const present = new Set<string>();
  for (const d of dirs) if (await fs.exists(d).catch(() => false)) present.add(d);
  return rollbackTarget(c.service, c.hash, input.healthy, input.failed, (d) => present.has(d));
}
