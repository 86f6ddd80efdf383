/**
 * One image of a `hoist update` ({@link updateImage}): its policy read, the digest the registry
 * names for its tag compared with the one the local image was pulled by, and a pull only on a
 * difference. A failed check or pull is the image's error; the image stays as it was.
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import { type ImageRef, isFullyQualified } from "../images/image_ref.ts";
import {
  policyRefusal,
  refPolicy,
  type UpdatePolicy,
  writtenPolicy,
} from "../images/update_policy.ts";
import type { PodmanImages } from "../adapters/podman_images.ts";
import type { RegistryCredentials, RegistryDigests } from "../adapters/registry_digest.ts";
import type { ReadyService } from "../desired/types.ts";
import { skipReason } from "./not_updatable.ts";

/** How long one pull may take. */
export const PULL_TIMEOUT_MS = 5 * 60_000;

/** One image: its policy, the check, the id before and after a pull, or why it was not updated. */
export interface ImageUpdate {
  readonly image: string;
  readonly policy: UpdatePolicy;
  readonly before: string | undefined;
  readonly after: string | undefined;
  /** The digest the local image was pulled by, and what the registry names now (when checked). */
  readonly local?: string;
  readonly remote?: string;
  /** Not considered, and why (`pinned`: Git decides). */
  readonly skipped?: string;
  readonly error?: string;
}
/** What the update of every image of one run shares. */
export interface UpdateContext {
  readonly images: PodmanImages;
  readonly digests: RegistryDigests;
  readonly logins: ReadonlyMap<string, RegistryCredentials>;
  readonly authFile: string | undefined;
  readonly dryRun: boolean;
  /** The scheduled check: only `auto` images are updated. */
  readonly scheduled: boolean;
  readonly at: string;
}

/** Checks one image and, unless it is current (or this is a dry run), pulls it. */
export async function updateImage(
  ctx: UpdateContext,
  service: ReadyService,
  image: string,
): Promise<ImageUpdate> {
  const read = refPolicy(writtenPolicy(service, image), image);
  if (typeof read === "string") {
    return { image, policy: "manual", before: undefined, after: undefined, error: read };
  }
  const { ref, policy } = read;
  const none = { image, policy, before: undefined, after: undefined };
  const skipped = skipReason(service, image, ref, policy, ctx.scheduled);
  if (skipped !== undefined) return { ...none, skipped };
  const refused = policyRefusal(policy, ref);
  if (refused !== undefined) return { ...none, error: refused };
  const before = await ctx.images.imageId(image);
  let remote: string;
  if (isFullyQualified(ref)) {
    const locals = localDigests(ref, await ctx.images.repoDigests(image));
    try {
      remote = await ctx.digests.digest(
        { text: image, registry: ref.registry as string, path: ref.path, tag: ref.tag ?? "latest" },
        ctx.logins.get(ref.registry as string),
      );
    } catch (e) {
      if (!(e instanceof HoistError)) throw e;
      const local = locals[0];
      return { ...none, before, after: before, ...(local ? { local } : {}), error: e.message };
    }
    // a multi-arch image is recorded by its list's digest and its instance's
    const local = locals.includes(remote) ? remote : locals[0];
    const checked = { ...(local ? { local } : {}), remote };
    if (local === remote || ctx.dryRun) return { ...none, before, after: before, ...checked };
    return await pulled(ctx, { ...none, ...checked }, before);
  }
  // a short name (manual only): its registry is registries.conf's to pick, so podman pulls it
  if (ctx.dryRun) {
    return { ...none, before, after: before, skipped: "a short name: not checked" };
  }
  return await pulled(ctx, none, before);
}

async function pulled(
  ctx: UpdateContext,
  base: Omit<ImageUpdate, "before" | "after">,
  before: string | undefined,
): Promise<ImageUpdate> {
  try {
    await ctx.images.pull(base.image, PULL_TIMEOUT_MS, ctx.authFile);
    return { ...base, before, after: await ctx.images.imageId(base.image) };
  } catch (e) {
    if (!(e instanceof HoistError)) throw e;
    return { ...base, before, after: before, error: e.message };
  }
}

/** The digests of `ref`'s repository among the local image's RepoDigests. */
export function localDigests(ref: ImageRef, repoDigests: readonly string[] | undefined): string[] {
  const repo = `${ref.registry}/${ref.path}`;
  const alias = ref.registry === "docker.io" && !ref.path.includes("/")
    ? `docker.io/library/${ref.path}`
    : repo;
  const digests = (repoDigests ?? []).filter((d) => {
    const name = d.slice(0, d.lastIndexOf("@"));
    return name === repo || name === alias;
  }).map((d) => d.slice(d.lastIndexOf("@") + 1));
  return digests;
}
