/**
 * {@link unitImages}: the registry images a service's units run, as podman would fetch them at
 * start, and {@link pullPolicy}: whether hoist fetches one before a (re)start. Pure.
 *
 * @module
 */
import type { DesiredUnit } from "../desired/types.ts";
import { unitEntries } from "../desired/unit_text.ts";
import { parseImageRef } from "./image_ref.ts";

/**
 * How an image is fetched before the service (re)starts: `missing` only when no local image has
 * this reference (podman's default, quadlet's `Pull=missing`), `always` asks the registry for
 * what the reference names now (`Pull=always` and `Pull=newer`, which the start would do anyway).
 */
export type PullPolicy = "missing" | "always";

/** One image of a service, from a unit's `Image=`. */
export interface UnitImage {
  readonly ref: string;
  readonly policy: PullPolicy;
}

/**
 * The unit's `Pull=` as a pull before the start, or undefined when hoist leaves it to the start:
 * `Pull=never` (the image must be there already).
 */
export function pullPolicy(pull: string | undefined): PullPolicy | undefined {
  switch (pull?.trim().toLowerCase()) {
    case "always":
    case "newer":
      return "always";
    case "never":
      return undefined;
    default:
      return "missing";
  }
}

/**
 * The image a unit runs as quadlet reads it: the last `Image=` of a container's `[Container]` or
 * of a `.image` unit's `[Image]`, trimmed; undefined for other units or without one. It may name
 * a `.image` or `.build` unit of the service.
 *
 * @example
 * ```ts
 * unitImage({ type: "container", content: "[Container]\nImage=redis.image\n" }); // "redis.image"
 * ```
 */
export function unitImage(u: Pick<DesiredUnit, "type" | "content">): string | undefined {
  const section = u.type === "container" ? "Container" : u.type === "image" ? "Image" : undefined;
  if (section === undefined) return undefined;
  return unitEntries(u.content).filter((e) => e.section === section && e.key === "Image").at(-1)
    ?.value.trim();
}

/**
 * The registry images of `units`, sorted and one per reference (`always` wins): each container's
 * `Image=` and each `.image` unit's `Image=`. Left out: images built or kept locally
 * (`localhost/…`, a `.build` unit, a container naming a `.image` unit, whose own `Image=` counts),
 * references that do not parse (the start reports them) and `Pull=never`. Pods and kube units
 * name their images elsewhere and are left to podman.
 *
 * @example
 * ```ts
 * unitImages([{ type: "container", content: "[Container]\nImage=ghcr.io/acme/web:1.4\n", … }]);
 * // [{ ref: "ghcr.io/acme/web:1.4", policy: "missing" }]
 * ```
 */
export function unitImages(units: readonly Pick<DesiredUnit, "type" | "content">[]): UnitImage[] {
  const found = new Map<string, PullPolicy>();
  for (const u of units) {
    const image = unitImage(u);
    if (image === undefined || /\.(image|build)$/.test(image)) continue;
    const ref = parseImageRef(image);
    if (typeof ref === "string" || ref.registry === "localhost") continue;
    const policy = u.type === "container"
      ? pullPolicy(
        unitEntries(u.content).filter((e) => e.section === "Container" && e.key === "Pull").at(-1)
          ?.value,
      )
      : "missing";
    if (policy === undefined) continue;
    if (found.get(image) !== "always") found.set(image, policy);
  }
  return [...found.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([ref, policy]) => ({ ref, policy }));
}
