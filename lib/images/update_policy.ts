/**
 * Update policies: when a service's images may change outside Git. Pure.
 *
 * - `pinned`: never (the default for a reference with a digest: Git says exactly what runs);
 * - `manual`: only by `hoist update SERVICE` or `POST /redeploy-and-update/<service>` (the default
 *   for a tag);
 * - `auto`: also by the scheduled check (`[images] check_every`), which needs fully qualified
 *   references (a short name would let registries.conf pick the registry).
 *
 * @module
 */
import { type ImageRef, isFullyQualified, parseImageRef } from "./image_ref.ts";

/** A service's update policy. */
export type UpdatePolicy = "pinned" | "manual" | "auto";

/** The policies, as written. */
export const UPDATE_POLICIES: readonly UpdatePolicy[] = ["pinned", "manual", "auto"];

/**
 * The policy of one image: the one written for the service, else `pinned` for a reference with a
 * digest and `manual` for one without.
 *
 * @example
 * ```ts
 * imagePolicy(undefined, parseImageRef("ghcr.io/a/b:1@sha256:…")); // "pinned"
 * imagePolicy(undefined, parseImageRef("ghcr.io/a/b:1")); // "manual"
 * ```
 */
export function imagePolicy(written: UpdatePolicy | undefined, ref: ImageRef): UpdatePolicy {
  return written ?? (ref.digest === undefined ? "manual" : "pinned");
}

/**
 * Why `ref` cannot be updated under `policy`, or undefined when it can. (A reference with a
 * digest is never updated, whatever the policy: the digest wins, the tag is only shown.)
 */
export function policyRefusal(policy: UpdatePolicy, ref: ImageRef): string | undefined {
  if (policy === "auto" && !isFullyQualified(ref)) {
    return `${ref.text} is a short name, which auto updates refuse: registries.conf would pick ` +
      `the registry (write it fully qualified, e.g. docker.io/library/${ref.path}` +
      `${ref.tag === undefined ? "" : `:${ref.tag}`})`;
  }
  return undefined;
}

/** config.yml's `images:` value → its policy, or what is wrong with it (after the key). */
export function readUpdatePolicy(
  text: string | undefined,
): { readonly policy: UpdatePolicy } | { readonly error: string } {
  const policy = UPDATE_POLICIES.find((p) => p === text);
  return policy !== undefined
    ? { policy }
    : { error: `must be pinned, manual or auto, got ${JSON.stringify(text ?? null)}` };
}

/** Where a service's policies are written: config.yml's, and its compose services' by image. */
export interface WrittenPolicies {
  /** config.yml's `services.<name>.images`. */
  readonly updatePolicy?: UpdatePolicy;
  /** A compose project's `x-hoist: { images }`, by the image its containers run. */
  readonly imagePolicies?: Readonly<Record<string, UpdatePolicy>>;
}

/**
 * The policy written for `image` of a service: its compose services' `x-hoist: { images }` for
 * that image, else config.yml's `services.<name>.images`, else none (the reference decides).
 *
 * @example
 * ```ts
 * writtenPolicy({ updatePolicy: "manual", imagePolicies: { "docker.io/library/redis:7": "auto" } }, "docker.io/library/redis:7"); // "auto"
 * writtenPolicy({ updatePolicy: "manual" }, "ghcr.io/acme/web:1"); // "manual"
 * ```
 */
export function writtenPolicy(service: WrittenPolicies, image: string): UpdatePolicy | undefined {
  return service.imagePolicies?.[image.trim()] ?? service.updatePolicy;
}

/** Parses `text` and gives its policy, or a string saying why it cannot be read. */
export function refPolicy(
  written: UpdatePolicy | undefined,
  text: string,
): { ref: ImageRef; policy: UpdatePolicy } | string {
  const ref = parseImageRef(text);
  return typeof ref === "string" ? `${text}: ${ref}` : { ref, policy: imagePolicy(written, ref) };
}
