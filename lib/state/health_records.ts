/**
 * What a health gate records in the state DB, and how it is read back: verdicts, rollbacks and
 * the breaker's changes. Plain data.
 *
 * @module
 */
import type { FailedHash, HealthyRevision } from "../health/types.ts";

/** One health verdict of a service, as recorded. */
export interface HealthCheckRecord {
  readonly service: string;
  readonly hash: string;
  readonly revision: string;
  /** deploy: the new revision; rollback: the revision rolled back to. */
  readonly phase: "deploy" | "rollback";
  readonly probe: string;
  readonly verdict: "healthy" | "unhealthy" | "unknown";
  readonly reason: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly probes: number;
}

/** A rollback (automatic or by hand), or a service left down with nothing to roll back to. */
export interface RollbackRecord {
  readonly service: string;
  readonly fromHash: string;
  readonly toHash?: string;
  readonly toRevision?: string;
  readonly at: string;
  readonly reason: string;
  /** rolled-back, down (no healthy revision left), failed (the rollback itself failed health). */
  readonly result: "rolled-back" | "down" | "failed";
}

/** What a health gate records with its deployment. */
export interface HealthRecording {
  readonly checks: readonly HealthCheckRecord[];
  readonly rollbacks: readonly RollbackRecord[];
  /** Revisions that passed: rollback targets from now on (and their breaker entry cleared). */
  readonly healthy: readonly HealthyRevision[];
  /** Hashes that failed: held back from now on. */
  readonly failed: readonly FailedHash[];
}

/** A recorded health check or rollback, with its deployment. */
export type HealthHistoryRow =
  & { readonly deploymentId: number | null }
  & (
    | ({ readonly type: "check" } & HealthCheckRecord)
    | ({ readonly type: "rollback" } & RollbackRecord)
  );
