/**
 * {@link runFacts}: what one run tells the metrics (and, next, notifications), as plain data.
 * Pure. Label values are bounded: source and service names come from the config and the
 * repository's service list, reasons are stable codes, never messages.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { HoistError } from "../errors.ts";
import { actionTarget, changeCount, type ReasonCode, type UnitAction } from "../reconcile/types.ts";
import type { RunResult } from "../run/run_result.ts";
import type { Outcome } from "../run/outcome.ts";
import type { RunSummary } from "./run_queue.ts";

/** One run's facts. */
export interface RunFacts {
  readonly summary: RunSummary;
  /** The stable error code when no plan ran (`source-failed`, `signature-untrusted`, …). */
  readonly errorCode?: HoistError["code"];
  /** The source an error concerns, when it names one of the configured sources. */
  readonly errorSource?: string;
  /** Each source branch deployed or checked. */
  readonly sources: readonly { source: string; commit: string; signer: string }[];
  /** Each service of the plan: running after the run, blocked by an error. */
  readonly services: readonly { service: string; up: boolean; blocked: boolean }[];
  /** Each (re)start hoist made, with the reason code of the action. */
  readonly restarts: readonly { service: string; reason: ReasonCode }[];
  /** The health gate's rollbacks: rolled-back, or down (nothing to go back to, or it failed too). */
  readonly rollbacks?: readonly { service: string; result: "rolled-back" | "down" | "failed" }[];
  /** Services the circuit breaker kept at their running revision. */
  readonly heldBack?: readonly string[];
  /** True when `[rollout]` kept the run's changes waiting (nothing applied). */
  readonly waiting?: boolean;
}

/** Error codes that mean the source was refused by the trust rules. */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  "signature-untrusted",
  "rollback-refused",
  "commit-date-refused",
]);

/**
 * The facts of `outcome`.
 *
 * @example
 * ```ts
 * runFacts(config, { ok: false, error: new HoistError("source-failed", "source main: …") })
 *   .errorSource; // "main"
 * ```
 */
export function runFacts(config: Config, outcome: Outcome<RunResult>): RunFacts {
  if (!outcome.ok) {
    const e = outcome.error;
    const named = /^source ([^\s:]+):/.exec(e.message)?.[1];
    const names = config.sources.map((s) => s.name);
    const source = named !== undefined && names.includes(named)
      ? named
      : names.length === 1
      ? names[0]
      : undefined;
    return {
      summary: { result: "error", message: e.message.split("\n")[0] ?? e.code },
      errorCode: e.code,
      ...(source === undefined ? {} : { errorSource: source }),
      sources: [],
      services: [],
      restarts: [],
    };
  }
  const r = outcome.value;
  const applied = r.applied;
  const failedUnits = new Set(
    (applied?.actions ?? []).filter((a) => a.result === "failed").map((a) => a.service),
  );
  // scripts run on every apply: they change nothing by themselves
  const changed = (applied?.actions ?? []).some((a) =>
    a.result === "ok" && a.kind !== "run-script"
  );
  const blocked = new Set(r.plan.problems.filter((p) => p.level === "error").map((p) => p.service));
  const started = startedOk(r);
  const startedUnits = new Set(started.flatMap((a) => a.units));
  const services = r.desired.services.map((s) => s.name).sort().map((service) => ({
    service,
    up: serviceUp(r, service, startedUnits) && !failedUnits.has(service),
    blocked: blocked.has(service) ||
      r.desired.services.some((s) => s.name === service && s.status === "blocked"),
  }));
  const result: RunSummary["result"] = applied?.failed
    ? "failed"
    : changed
    ? "changed"
    : r.plan.blocked
    ? "failed"
    : "no-change";
  return {
    summary: {
      result,
      message: summaryLine(r, result),
      revision: r.plan.revision,
      ...(r.deploymentId === undefined ? {} : { deploymentId: r.deploymentId }),
    },
    sources: r.fetched.flatMap((f) =>
      f.records.map((rec) => ({ source: rec.source, commit: rec.commit, signer: rec.signer }))
    ),
    services,
    restarts: started.map((a) => ({ service: a.service, reason: a.code })),
    rollbacks: (r.rollbacks ?? []).map((b) => ({ service: b.service, result: b.result })),
    heldBack: (r.heldBack ?? []).map((h) => h.service),
    waiting: r.waiting !== undefined,
  };
}

/** The start and restart actions of the plan that ran without error. */
function startedOk(r: RunResult): UnitAction[] {
  const ok = new Set(
    (r.applied?.actions ?? []).filter((a) => a.result === "ok").map((a) =>
      `${a.kind}\0${a.service}\0${a.unit}`
    ),
  );
  return r.plan.actions.filter((a): a is UnitAction =>
    (a.kind === "start" || a.kind === "restart") &&
    ok.has(`${a.kind}\0${a.service}\0${actionTarget(a)}`)
  );
}

/**
 * True when every unit hoist starts itself (containers, pods, kube; networks and volumes start
 * with them) of `service` was active, or was (re)started without error.
 */
function serviceUp(r: RunResult, service: string, started: ReadonlySet<string>): boolean {
  const desired = r.desired.services.find((s) => s.name === service);
  if (desired === undefined || desired.status !== "ready") return false;
  return desired.units.filter((u) => u.entry).every((u) =>
    started.has(u.serviceUnit) || r.observed.units.get(u.serviceUnit)?.active === "active"
  );
}

function summaryLine(r: RunResult, result: RunSummary["result"]): string {
  const errors = r.plan.problems.filter((p) => p.level === "error").length;
  switch (result) {
    case "no-change":
      // [rollout] held the changes: say so, not "no changes"
      return r.waiting?.reason ?? `no changes at ${r.plan.revision.slice(0, 12)}`;
    case "changed":
      return `${changeCount(r.plan)} change(s) applied at ${r.plan.revision.slice(0, 12)}`;
    default:
      return errors > 0
        ? `${errors} error(s) in the plan at ${r.plan.revision.slice(0, 12)}`
        : `a service failed at ${r.plan.revision.slice(0, 12)}`;
  }
}
