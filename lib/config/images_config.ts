/**
 * `[images]` in the agent config → {@link ImagesConfig}: how often `auto` services' images are
 * checked against their registry, and whether images hoist pulled and no longer uses are removed.
 * Pure.
 *
 * ```toml
 * [images]
 * check_every = "6h"   # "0" never checks on its own (hoist update still does)
 * prune = true
 * ```
 *
 * @module
 */
import { z } from "zod";
import { parseDuration } from "./serve_config.ts";

/** The `[images]` table. */
export interface ImagesConfig {
  /** Time between two update checks of `auto` services (timer runs and `hoist serve`); 0: never. */
  readonly checkEveryMs: number;
  /** Remove images hoist pulled that no unit uses any more, after a deploy passed its health gate. */
  readonly prune: boolean;
}

/** The defaults: every 6 hours, pruning on. */
export const DEFAULT_IMAGES: ImagesConfig = { checkEveryMs: 6 * 3_600_000, prune: true };

/** The `[images]` table's schema (strict: unknown keys are errors naming them). */
export const imagesSchema = z.strictObject({
  check_every: z.string().refine((s) => {
    const ms = parseDuration(s);
    return ms !== undefined && (ms === 0 || ms >= 60_000);
  }, { message: 'must be a duration of at least 1m ("30m", "6h"), or "0" for never' })
    .optional(),
  prune: z.boolean().optional(),
});

/** A parsed `[images]` table (or none) → {@link ImagesConfig}. */
export function imagesConfig(raw: z.infer<typeof imagesSchema> | undefined): ImagesConfig {
  return {
    checkEveryMs: raw?.check_every === undefined
      ? DEFAULT_IMAGES.checkEveryMs
      : parseDuration(raw.check_every) ?? DEFAULT_IMAGES.checkEveryMs,
    prune: raw?.prune ?? DEFAULT_IMAGES.prune,
  };
}
