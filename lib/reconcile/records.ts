/**
 * What an apply did, as recorded in the state DB: action results, inventory changes, the
 * deployment and the commits it applied. Plain data.
 *
 * @module
 */
import type { Action } from "./types.ts";
import type { InventoryService, InventoryUnit } from "../types/observed.ts";

/** Result of one executed action. */
export interface ActionRecord {
  readonly kind: Action["kind"];
  readonly service: string;
  readonly unit: string;
  readonly reason: string;
  readonly result: "ok" | "failed" | "skipped";
  readonly error?: string;
}

/** Inventory changes made by one deployment. */
export interface InventoryUpdate {
  readonly upsertUnits: readonly InventoryUnit[];
  readonly deleteUnits: readonly string[];
  readonly upsertServices: readonly InventoryService[];
  readonly deleteServices: readonly string[];
}

/** The last deployed commit of one source branch, and the trust policy it was verified under. */
export interface SourceRecord {
  readonly source: string;
  readonly branch: string;
  readonly commit: string;
  readonly signer: string;
  /** Hash of the trust policy (keys, allowed signers, verify mode) the commit passed. */
  readonly policy: string;
  /**
   * The commit's committer time (unix seconds) as its verified signature carried it; absent when
   * signatures are not checked or the row predates hoist recording it.
   */
  readonly committedAt?: number;
  readonly deployedAt: string;
}

/** One apply, as recorded. */
export interface DeploymentRecord {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly host: string;
  readonly revision: string;
  /** ok: all actions succeeded (or none were needed); failed: some did; error: apply could not run. */
  readonly status: "ok" | "failed" | "error";
  readonly error?: string;
  readonly actions: readonly ActionRecord[];
  readonly inventory: InventoryUpdate;
  /** The commits this deployment applied, per source branch (the anti-rollback baseline). */
  readonly sources?: readonly SourceRecord[];
}
