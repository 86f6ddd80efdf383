/**
 * {@link pullAction}: pull before stop. Pure.
 *
 * @module
 */
import type { ReadyService } from "../desired/types.ts";
import { unitImages } from "../images/unit_images.ts";
import type { PullAction, UnitAction } from "./types.ts";

/**
 * The pull a service needs before `start`: its registry images ({@link unitImages}) when it
 * (re)starts for a new hash (`resetFailed`, set exactly for those), nothing for a service that
 * stays as it is or starts again on the hash it ran. Images built or kept locally need none.
 *
 * @example
 * ```ts
 * pullAction(web, { kind: "restart", resetFailed: true, … })?.images;
 * // [{ ref: "ghcr.io/acme/web:1.5", policy: "missing" }]
 * ```
 */
export function pullAction(
  svc: ReadyService,
  start: UnitAction | undefined,
): PullAction | undefined {
  if (start === undefined || start.resetFailed !== true) return undefined;
  const images = unitImages(svc.units);
  if (images.length === 0) return undefined;
  return {
    kind: "pull",
    service: svc.name,
    images,
    code: "images-first",
    reason: `before it ${start.kind}s; a failed pull leaves ${svc.name} as it is`,
  };
}
