/**
 * {@link imagePolicies}: the update policy of each compose service's image, from the
 * `x-hoist: { images }` of the compose services that run it. Pure.
 *
 * One image is one local image, pulled once for every container that runs it, so it has one
 * policy: the strictest written by a compose service that runs it (`pinned` over `manual` over
 * `auto`), with a warning at each looser one. A compose service that writes none follows the
 * others that run its image; when none of them writes one, config.yml's `services.<name>.images`
 * (else the reference's default) applies, so it is left out of the result.
 *
 * @module
 */
import type { UpdatePolicy } from "../../images/update_policy.ts";
import { keyPath } from "./nodes.ts";
import { type Diagnostics, warn } from "./unit_builder.ts";

/** One compose service's image and the policy its `x-hoist` writes for it. */
export interface ImageUser {
  /** The compose service (`web`). */
  readonly name: string;
  /** Where its problems go (the compose file it is written in). */
  readonly d: Diagnostics;
  /** Its container's `Image=` (undefined: none, or a `.build` of its own). */
  readonly image: string | undefined;
  readonly images?: { readonly policy: UpdatePolicy; readonly line: number };
}

const STRICTNESS: Readonly<Record<UpdatePolicy, number>> = { pinned: 0, manual: 1, auto: 2 };

/**
 * Compose service → the policy of its image, for those whose image some compose service gives a
 * policy; conflicting policies are warnings at the looser `x-hoist.images` lines.
 *
 * @example
 * ```ts
 * imagePolicies([
 *   { name: "cache", d, image: "docker.io/library/redis:7", images: { policy: "auto", line: 5 } },
 *   { name: "queue", d, image: "docker.io/library/redis:7", images: { policy: "manual", line: 9 } },
 *   { name: "web", d, image: "ghcr.io/acme/web:1" },
 * ]); // Map { "cache" => "manual", "queue" => "manual" }, a warning at line 5
 * ```
 */
export function imagePolicies(users: readonly ImageUser[]): Map<string, UpdatePolicy> {
  const byImage = new Map<string, ImageUser[]>();
  for (const u of users) {
    if (u.image === undefined || /\.(image|build)$/.test(u.image)) continue;
    byImage.set(u.image, [...(byImage.get(u.image) ?? []), u]);
  }
  const out = new Map<string, UpdatePolicy>();
  for (const [image, all] of byImage) {
    const written = all.filter((u) => u.images !== undefined);
    const strictest = written.map((u) => u.images?.policy as UpdatePolicy)
      .sort((a, b) => STRICTNESS[a] - STRICTNESS[b])[0];
    if (strictest === undefined) continue;
    for (const u of all) out.set(u.name, strictest);
    for (const u of written) {
      if (u.images === undefined || u.images.policy === strictest) continue;
      const others = written.filter((o) => o.images?.policy === strictest).map((o) => o.name);
      warn(
        u.d,
        keyPath(keyPath(keyPath("services", u.name), "x-hoist"), "images"),
        u.images.line,
        `${u.images.policy}, but ${others.join(", ")} runs the same image ${image} with ` +
          `images: ${strictest}; one image has one update policy: the stricter, ${strictest}, ` +
          `applies to ${u.name} too`,
        `Write the same images: on every compose service that runs ${image}`,
      );
    }
  }
  return out;
}
