/**
 * What one run (`plan`, `apply --dry-run`, `apply`: `runApply` in lib/run/apply_run.ts) is asked
 * to do, and what it did.
 *
 * @module
 */
import type { ApplyResult } from "../apply/apply_plan.ts";
import type { HeldBack } from "../health/breaker.ts";
import type { RecordedStop } from "../reconcile/keep_stopped.ts";
import type { RollbackRecord } from "../state/health_records.ts";
import type { PlanResult } from "./plan_sources.ts";

/** How to run. */
export interface RunOptions {
  readonly dryRun: boolean;
  readonly lockTimeoutMs: number;
  /** Accept, once, a commit that does not descend from the last deployed one. */
  readonly allowRollback: boolean;
  /**
   * After a lost state DB: own again the unit files carrying hoist's labels and accept the
   * fetched commits as the last deployed ones (see `adoptOrRefuse` in adopt_or_refuse.ts).
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
