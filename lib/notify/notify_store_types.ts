/**
 * What notifications keep between runs, as an interface; lib/state/notify_store.ts implements it
 * over `state_dir/notify.db`.
 *
 * @module
 */
import type { NotifyState } from "./events.ts";
import type { ThrottleRow } from "./throttle.ts";

/** One throttle key; `service` is "" for host-wide events. */
export interface ThrottleKey {
  readonly sink: string;
  readonly service: string;
  readonly kind: string;
}

/** One delivery, as the log keeps it (no body, no URL, no token). */
export interface DeliveryLogRow {
  readonly at: string;
  readonly sink: string;
  readonly kind: string;
  readonly service: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** The notification store. Methods throw `state-failed` HoistErrors. */
export interface NotifyStore {
  /** Runs `fn` in one write transaction (two hoist processes never decide at once). */
  transaction<T>(fn: () => T): T;
  /** What the events remembered after the last run (undefined before the first). */
  state(): NotifyState | undefined;
  setState(state: NotifyState): void;
  row(key: ThrottleKey): ThrottleRow | undefined;
  setRow(key: ThrottleKey, row: ThrottleRow): void;
  /** Appends to the delivery log, keeping the newest few hundred. */
  logDelivery(row: DeliveryLogRow): void;
  /** The newest `limit` deliveries, newest first. */
  deliveries(limit: number): DeliveryLogRow[];
  close(): void;
}
