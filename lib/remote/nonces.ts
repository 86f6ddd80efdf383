/**
 * {@link NonceLog}: the nonces of signed remote requests seen in the freshness window, so a
 * request sent twice is refused the second time. Bounded: a nonce is forgotten once a request
 * carrying it would be stale anyway, and past {@link MAX_NONCES} live ones new requests are
 * refused (never an old nonce forgotten early, which would let it be replayed). Pure: the clock
 * is passed in. Nonces live in memory: a restart forgets them, and every request they could
 * replay was signed before the restart, so it is at most {@link MAX_AGE_S} seconds from stale.
 *
 * @module
 */
import { MAX_AGE_S, MAX_SKEW_S } from "./canonical.ts";

/** Live nonces held at most. */
export const MAX_NONCES = 10_000;

/** How long a nonce is held: a request is fresh for this long at most. */
export const NONCE_WINDOW_MS = (MAX_AGE_S + MAX_SKEW_S + 1) * 1000;

/** What {@link NonceLog.reserve} decided. */
export type NonceVerdict = "ok" | "replayed" | "full";

/** The nonces of the window. */
export class NonceLog {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(max = MAX_NONCES) {
    this.#max = max;
  }

  /**
   * Holds `nonce` from `now` (ms); `replayed` when it is held already, `full` when
   * {@link MAX_NONCES} live nonces are held. A request whose signature then fails gives it back
   * with {@link release}.
   */
  reserve(nonce: string, now: number): NonceVerdict {
    this.#expire(now);
    if (this.#seen.has(nonce)) return "replayed";
    if (this.#seen.size >= this.#max) return "full";
    this.#seen.set(nonce, now);
    return "ok";
  }

  /** Forgets `nonce` (its request was not authentic, so it proves nothing). */
  release(nonce: string): void {
    this.#seen.delete(nonce);
  }

  /** How many nonces are held. */
  get size(): number {
    return this.#seen.size;
  }

  #expire(now: number): void {
    // insertion order is time order: the clock passed in never goes back in practice, and an
    // entry that does not expire stops the walk (it is held a little longer, never less)
    for (const [nonce, at] of this.#seen) {
      if (now - at < NONCE_WINDOW_MS) break;
      this.#seen.delete(nonce);
    }
  }
}
