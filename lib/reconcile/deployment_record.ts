/**
 * What a run records in the state DB: a deployment (with every action) when something changed
 * or failed, the commits as the anti-rollback baseline, and events. Pure.
 *
 * @module
 */
import type { SourceVerdict } from "../trust/types.ts";
import type { ActionRecord, DeploymentRecord, InventoryUpdate, SourceRecord } from "./records.ts";
import { changeCount, type Plan } from "./types.ts";

/** What applying a plan did. */
export interface ApplyResult {
  readonly actions: readonly ActionRecord[];
  readonly inventory: InventoryUpdate;
  readonly failed: boolean;
}

/** An event to record (kind is a stable code). */
export interface RunEvent {
  readonly at: string;
  readonly kind: string;
  readonly message: string;
}

/** The rows one applied run writes. */
export interface RunRecording {
  /** Absent for a quiet run: nothing changed, nothing failed. */
  readonly deployment?: DeploymentRecord;
  /** Commits to record as the baseline without a deployment (a new commit that changes nothing here). */
  readonly sources: readonly SourceRecord[];
  readonly events: readonly RunEvent[];
}

/** The inputs of {@link deploymentRecord}. */
export interface RunFacts {
  readonly plan: Plan;
  readonly applied: ApplyResult;
  readonly host: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The fetched sources' commits, to record as deployed. */
  readonly sources: readonly Omit<SourceRecord, "deployedAt">[];
  /** True when a source's commit, signer or policy differs from what the store holds. */
  readonly sourcesChanged: boolean;
  readonly verdicts: readonly SourceVerdict[];
}

/**
 * Decides what an applied run records. A run with no change (scripts run every time and do not
 * count) and no failure records no deployment, so a service blocked by the same errors run after
 * run adds no row every timer tick; the anti-rollback baseline still moves forward when a new
 * commit changes nothing here. A rollback accepted with --allow-rollback is an event.
 */
export function deploymentRecord(facts: RunFacts): RunRecording {
  const { plan, applied, startedAt } = facts;
  const errorCount = plan.problems.filter((p) => p.level === "error").length;
  const quiet = changeCount(plan) === 0 && plan.inventory.length === 0 && !applied.failed;
  const sources = facts.sources.map((r) => ({ ...r, deployedAt: startedAt }));
  const events = facts.verdicts.flatMap((v) =>
    v.rollback
      ? [{
        at: startedAt,
        kind: "rollback-allowed",
        message: `source ${v.source}: deployed ${v.rollback.to}, older than ${v.rollback.from}`,
      }]
      : []
  );
  if (quiet) return { sources: facts.sourcesChanged ? sources : [], events };
  return {
    deployment: {
      startedAt,
      finishedAt: facts.finishedAt,
      host: facts.host,
      revision: plan.revision,
      status: applied.failed || errorCount > 0 ? "failed" : "ok",
      ...(errorCount > 0 ? { error: `${errorCount} service(s) blocked by errors` } : {}),
      actions: applied.actions,
      inventory: applied.inventory,
      sources,
    },
    sources: [],
    events,
  };
}
