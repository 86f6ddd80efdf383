/**
 * Which images `hoist update` and the scheduled check leave alone: digests and `pinned` always,
 * and, in the scheduled check, every image that is not `auto`, by the policy written for that
 * image (a compose service's x-hoist, config.yml's, or the default for a tag).
 */
import assert from "node:assert/strict";
import { parseImageRef } from "../../lib/images/image_ref.ts";
import { imagePolicy, type UpdatePolicy, writtenPolicy } from "../../lib/images/update_policy.ts";
import { skipReason } from "../../lib/run/not_updatable.ts";

const REDIS = "docker.io/library/redis:7";
const WEB = "ghcr.io/acme/web:1";
const D = "sha256:" + "c".repeat(64);

type Service = Parameters<typeof skipReason>[0];

/** A compose project whose cache (redis) is auto by x-hoist, with config.yml's policy `written`. */
const blog = (written?: UpdatePolicy): Service => ({
  name: "blog",
  imagePolicies: { [REDIS]: "auto" },
  ...(written === undefined ? {} : { updatePolicy: written }),
});

const cases: [string, Service, string, boolean, string | undefined][] = [
  ["x-hoist auto, scheduled: updated", blog(), REDIS, true, undefined],
  ["x-hoist auto, hoist update: updated", blog(), REDIS, false, undefined],
  [
    "a tag's default (manual), scheduled: left for hoist update",
    blog(),
    WEB,
    true,
    "manual (the default for a tag): only hoist update blog changes it, not the scheduled check",
  ],
  ["a tag's default (manual), hoist update: updated", blog(), WEB, false, undefined],
  [
    "config.yml's manual, scheduled: left for hoist update",
    blog("manual"),
    WEB,
    true,
    "manual (services.blog.images): only hoist update blog changes it, not the scheduled check",
  ],
  ["config.yml's auto, scheduled: updated", blog("auto"), WEB, true, undefined],
  [
    "config.yml's pinned: left to Git, even by hoist update",
    blog("pinned"),
    WEB,
    false,
    "pinned (services.blog.images): only Git changes it",
  ],
  [
    "x-hoist pinned: named as such",
    { name: "blog", imagePolicies: { [REDIS]: "pinned" } },
    REDIS,
    false,
    "pinned (x-hoist: { images }): only Git changes it",
  ],
  [
    "a digest wins over x-hoist auto",
    { name: "blog", imagePolicies: { [`${REDIS}@${D}`]: "auto" } },
    `${REDIS}@${D}`,
    true,
    "pinned by its digest (tag 7 only shown): only Git changes it",
  ],
];

for (const [name, service, image, scheduled, want] of cases) {
  Deno.test({
    name: `skipReason(): ${name}`,
    permissions: "none",
    fn() {
      const ref = parseImageRef(image);
      assert.ok(typeof ref !== "string", String(ref));
      const policy = imagePolicy(writtenPolicy(service, image), ref);
      assert.equal(skipReason(service, image, ref, policy, scheduled), want);
    },
  });
}
