/**
 * Replay protection: a webhook delivery id seen in the last 24 hours is refused. Bounded memory
 * (the oldest ids go first past {@link MAX_DELIVERIES}); the ids outlive a restart through a
 * {@link DeliveryStore} (SQLite in state_dir).
 *
 * @module
 */

/** How long a delivery id is remembered. */
export const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** How many ids are remembered at most (a flood of new ids pushes out the oldest). */
export const MAX_DELIVERIES = 20_000;

/** Where ids are persisted. */
export interface DeliveryStore {
  /** Ids seen at or after `since` (ms since the epoch), oldest first. */
  load(since: number): readonly (readonly [string, number])[];
  add(id: string, at: number): void;
  /** Forgets ids seen before `before`, and all but the newest `keep`. */
  prune(before: number, keep: number): void;
}

/** The headers providers put a delivery id in. */
const DELIVERY_HEADERS = [
  "x-github-delivery",
  "x-gitea-delivery",
  "x-gogs-delivery",
  "x-gitlab-event-uuid",
];

/**
 * The request's delivery id (`header:value`), if its provider sends one; `invalid` when the value
 * is not 1–200 printable ASCII characters.
 */
export function deliveryId(headers: Headers): string | "invalid" | undefined {
  for (const h of DELIVERY_HEADERS) {
    const v = headers.get(h)?.trim();
    if (v === undefined || v === "") continue;
    return /^[\x21-\x7e]{1,200}$/.test(v) ? `${h}:${v}` : "invalid";
  }
  return undefined;
}

/** The ids seen in the window. */
export class DeliveryLog {
  readonly #seen = new Map<string, number>();
  readonly #store: DeliveryStore | undefined;
  #added = 0;

  constructor(store: DeliveryStore | undefined, now: number) {
    this.#store = store;
    for (const [id, at] of store?.load(now - REPLAY_WINDOW_MS) ?? []) this.#seen.set(id, at);
    this.#trim(now);
  }

  /** Records `id`; false when it was already seen in the window (a replay). */
  accept(id: string, now: number): boolean {
    const at = this.#seen.get(id);
    if (at !== undefined && now - at < REPLAY_WINDOW_MS) return false;
    this.#seen.delete(id);
    this.#seen.set(id, now);
    this.#store?.add(id, now);
    this.#trim(now);
    if (++this.#added % 1000 === 0) this.#store?.prune(now - REPLAY_WINDOW_MS, MAX_DELIVERIES);
    return true;
  }

  /** How many ids are held. */
  get size(): number {
    return this.#seen.size;
  }

  #trim(now: number): void {
    for (const [id, at] of this.#seen) {
      if (this.#seen.size <= MAX_DELIVERIES && now - at < REPLAY_WINDOW_MS) break;
      this.#seen.delete(id);
    }
  }
}
