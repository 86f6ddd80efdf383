/**
 * The `[images]` settings, and those of a config without that table (a module of its own, so
 * that code needing them loads none of the config parser).
 *
 * @module
 */

/** The `[images]` table. */
export interface ImagesConfig {
  /** Time between two update checks of `auto` services (timer runs and `hoist serve`); 0: never. */
  readonly checkEveryMs: number;
  /** Remove images hoist pulled that no unit uses any more, after a deploy passed its health gate. */
  readonly prune: boolean;
}

/** The defaults: every 6 hours, pruning on. */
export const DEFAULT_IMAGES: ImagesConfig = { checkEveryMs: 6 * 3_600_000, prune: true };
