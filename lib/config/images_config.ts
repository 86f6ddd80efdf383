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
import { DEFAULT_IMAGES, type ImagesConfig } from "./default_images.ts";
import { parseDuration } from "./serve_config.ts";

export type { ImagesConfig } from "./default_images.ts";

export { DEFAULT_IMAGES } from "./default_images.ts";

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
