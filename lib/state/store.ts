/**
 * SQLite state (node:sqlite): the inventory of what hoist owns, deployments, their actions, events.
 * Its parts are in store_*.ts (inventory, sources, deployments, health, events), the tables in
 * schema.ts.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import type { InventoryService, InventoryUnit } from "../types/observed.ts";
import type { DeploymentRecord, SourceRecord } from "../reconcile/records.ts";
import type { FailedHash, HealthyRevision } from "../health/types.ts";
import type { HealthHistoryRow, HealthRecording } from "./health_records.ts";
import { migrate, SCHEMA } from "./schema.ts";
import { stateError } from "./state_error.ts";
import { storeContext } from "./store_context.ts";
import { type DeploymentRow, storeDeployments } from "./store_deployments.ts";
import { storeEvents } from "./store_events.ts";
import { storeHealth } from "./store_health.ts";
import { storeInventory } from "./store_inventory.ts";
import { storeSources } from "./store_sources.ts";

export type {
  ActionRecord,
  DeploymentRecord,
  InventoryUpdate,
  SourceRecord,
} from "../reconcile/records.ts";

/** The state store. */
export interface Store {
  loadInventory(): { services: Map<string, InventoryService>; units: Map<string, InventoryUnit> };
  /** Records a deployment, its actions and the inventory changes in one transaction. */
  recordDeployment(d: DeploymentRecord): number;
  /**
   * Records an event; best effort: a failure is logged, never thrown, so recording an error can
   * not mask it.
   */
  recordEvent(at: string, kind: string, message: string): void;
  /** Records unit files as hoist's before they are written (a killed run still owns them). */
  recordUnits(units: readonly InventoryUnit[]): void;
  /** Last deployed commit per source branch. */
  lastDeployed(source: string): Map<string, SourceRecord>;
  /** Records the commits applied (also when nothing changed, so the baseline moves forward). */
  recordSources(rows: readonly SourceRecord[]): void;
  deployments(limit: number): DeploymentRow[];
  /** Records a health gate's verdicts, rollbacks and breaker changes in one transaction. */
  recordHealth(deploymentId: number | undefined, h: HealthRecording): void;
  /** Revisions that passed health here, newest first (of `service`, or all). */
  healthyRevisions(service?: string): HealthyRevision[];
  /** (service, hash) pairs that failed health here and have not passed since. */
  failedHashes(): FailedHash[];
  /**
   * Deletes all but the newest `keep` deployments, with their actions, health checks and
   * rollbacks, and all but each service's newest `keep` healthy revisions; returns how many
   * deployments went.
   */
  pruneDeployments(keep: number): number;
  /** Health checks and rollbacks, newest first, of `service` or all. */
  healthHistory(service: string | undefined, limit: number): HealthHistoryRow[];
  events(limit: number): { at: string; kind: string; message: string }[];
  close(): void;
}

/**
 * Opens (creating if needed) the store at `path` (":memory:" in tests). Every failure of the
 * database (cannot open, full disk, damaged file, a corrupt row) is a `state-failed` HoistError
 * naming the cause first, with a hint fitting it.
 */
export function openStore(path: string): Store {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
    db.exec(SCHEMA);
    migrate(db);
  } catch (e) {
    throw stateError(path, "open it", e);
  }
  const ctx = storeContext(db, path);
  return {
    ...storeSources(ctx),
    ...storeInventory(ctx),
    ...storeDeployments(ctx),
    ...storeEvents(ctx),
    ...storeHealth(ctx),
    close() {
      try {
        db.close();
      } catch {
        // closing after a failure: nothing left to save
      }
    },
  };
}
