/**
 * `hoist update [SERVICE…] [--dry-run]` (and `POST /redeploy-and-update/<service>`): for each
 * service's registry images, by its update policy (lib/images/update_policy.ts): `pinned` is left
 * to Git; otherwise the registry is asked for the tag's digest (one query, no pull) and compared
 * with the digest the local image was pulled by; only a difference is pulled, and only the
 * containers that run an image whose id changed are restarted ({@link unitsToRestart}). A failed
 * check or pull leaves the service running its current image. Every check is recorded in `state_dir/image_checks.json` for `hoist plan`. The
 * commit is fetched and verified as for a plan, under the state_dir lock, and nothing else is
 * changed: pending changes wait for `apply`.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { unitEntries } from "../desired/unit_text.ts";
import { type DesiredService, type ReadyService, readyServices } from "../desired/types.ts";
import { HoistError } from "../errors.ts";
import { type ImageRef, isFullyQualified } from "../images/image_ref.ts";
import { type ImageCheck, mergeImageChecks, parseImageChecks } from "../images/image_checks.ts";
import {
  policyRefusal,
  refPolicy,
  type UpdatePolicy,
  writtenPolicy,
} from "../images/update_policy.ts";
import { createPodmanImages, type PodmanImages } from "../adapters/podman_images.ts";
import {
  createRegistryDigests,
  type RegistryCredentials,
  type RegistryDigests,
} from "../adapters/registry_digest.ts";
import { fetchSources } from "./fetch_sources.ts";
import { withLockedStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";
import { planFromSources } from "./plan_sources.ts";
import { imageChecksPath, prepareAuthFile, registryLogins } from "./registry_auth.ts";
import { recordPulls } from "./image_prune.ts";
import { unitImage } from "../images/unit_images.ts";
import { actionService, type Plan } from "../reconcile/types.ts";
import { keepStopped } from "../reconcile/keep_stopped.ts";
import { recordedStops } from "../state/remote_store.ts";

/** How long one pull may take. */
export const PULL_TIMEOUT_MS = 5 * 60_000;

/** How long one registry query (a digest check) may take. */
export const CHECK_TIMEOUT_MS = 30_000;

/** What to pull and what to restart for one service. */
export interface UpdateTargets {
  /** Registry images its containers run (`.image`/`.build` units are quadlet's to pull or build). */
  readonly images: readonly string[];
  /** The units hoist starts for it, restarted when an image changed. */
  readonly units: readonly string[];
}

/**
 * The images and entry units of `service` (pure). A container with `AutoUpdate=` is left to
 * `podman auto-update`: its image is not hoist's to update.
 *
 * @example
 * ```ts
 * updateTargets(web).images; // ["ghcr.io/acme/web:1.4"]
 * ```
 */
export function updateTargets(service: ReadyService): UpdateTargets {
  const images = new Set<string>();
  for (const u of service.units) {
    if (u.type !== "container") continue;
    const entries = unitEntries(u.content).filter((e) => e.section === "Container");
    // AutoUpdate= (written in the repository): podman auto-update owns this image, not hoist
    if (entries.some((e) => e.key === "AutoUpdate" && e.value.trim() !== "")) continue;
    for (const e of entries) {
      if (e.key === "Image" && !/\.(image|build)$/.test(e.value)) images.add(e.value);
    }
  }
  return {
    images: [...images].sort(),
    units: service.units.filter((u) => u.entry).map((u) => u.serviceUnit).sort(),
  };
}

/**
 * The units an update restarts once `changed` images were pulled (pure): the containers that run
 * one of them, so an image of one compose service restarts only that service's container (and,
 * through `Requires=`, what systemd restarts with it). When a container that runs one is not
 * started directly (a pod's member), every entry unit of the service, as before.
 *
 * @example
 * ```ts
 * unitsToRestart(blog, ["docker.io/library/redis:7"]); // ["gitops-blog-cache.service"]
 * ```
 */
export function unitsToRestart(service: ReadyService, changed: readonly string[]): string[] {
  const wanted = new Set(changed.map((i) => i.trim()));
  // a container may run the image through a `.image` unit of the service (Image=redis.image)
  const imageUnits = new Map(
    service.units.filter((u) => u.type === "image").map((u) => [
      u.path.slice(u.path.lastIndexOf("/") + 1),
      unitImage(u),
    ]),
  );
  const users = service.units.filter((u) => {
    if (u.type !== "container") return false;
    const named = unitImage(u);
    const image = named !== undefined && imageUnits.has(named) ? imageUnits.get(named) : named;
    return image !== undefined && wanted.has(image);
  });
  if (users.length === 0 || users.some((u) => !u.entry)) {
    return updateTargets(service).units.slice();
  }
  return [...new Set(users.map((u) => u.serviceUnit))].sort();
}

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

/** What updating one service did. */
export interface ServiceUpdate {
  readonly service: string;
  readonly images: readonly ImageUpdate[];
  /** True when an image changed and the units were restarted. */
  readonly restarted: boolean;
  /**
   * Why it was not updated (a failed check or pull, a failed restart, a blocked service; or,
   * when it was named, one of the reasons of `skipped`).
   */
  readonly error?: string;
  /**
   * Why an update without names left it alone: it has a change waiting for `hoist apply` (held
   * back, waiting for a rollout window, or not applied yet), it was stopped through the remote
   * API, or it runs as another account.
   */
  readonly skipped?: string;
}

/** The update of each service asked for. */
export interface UpdateReport {
  readonly revision: string;
  readonly dryRun: boolean;
  readonly services: readonly ServiceUpdate[];
}

/** How to update. */
export interface UpdateOptions {
  readonly lockTimeoutMs: number;
  /** Check only: nothing is pulled or restarted (the checks are recorded). */
  readonly dryRun?: boolean;
  /**
   * The scheduled check: only `auto` services (when no service is named), and the time recorded
   * as the last scheduled check.
   */
  readonly scheduled?: boolean;
  readonly images?: PodmanImages;
  readonly digests?: RegistryDigests;
}

/**
 * Updates `services` (names from config.yml; none: every service with a `manual` or `auto` image,
 * or only `auto` ones for the scheduled check); an unknown name is a `not-found` error.
 */
export function runUpdate(
  deps: Deps,
  config: Config,
  services: readonly string[],
  opts: UpdateOptions,
): Promise<Outcome<UpdateReport>> {
  return attempt(() =>
    withLockedStore(deps, config, opts.lockTimeoutMs, async (store) => {
      const fetched = await fetchSources(deps, config, store, { allowRollback: false });
      const planned = await planFromSources(deps, config, fetched, store);
      const found = new Map(planned.desired.services.map((s) => [s.name, s]));
      const unknown = services.filter((s) => !found.has(s));
      if (unknown.length > 0) {
        throw new HoistError(
          "not-found",
          `no service ${unknown.join(", ")} on host ${config.host} at ${
            planned.desired.revision.slice(0, 12)
          }`,
          `Services here: ${[...found.keys()].sort().join(", ") || "none"}`,
        );
      }
      const names = services.length > 0
        ? services
        : defaultServices(readyServices(planned.desired.services), opts.scheduled === true);
      const dryRun = opts.dryRun === true;
      const stops = keepStopped(planned.plan, planned.desired, recordedStops(config.stateDir)).kept;
      const held = new Map(names.flatMap((name) => {
        const why = notUpdatable(found.get(name) as DesiredService, planned.plan, stops);
        return why === undefined ? [] : [[name, why] as const];
      }));
      const ctx: UpdateContext = {
        images: opts.images ?? createPodmanImages(deps.run),
        digests: opts.digests ?? createRegistryDigests({ timeoutMs: CHECK_TIMEOUT_MS }),
        logins: names.length === 0 ? new Map() : await registryLogins(config),
        authFile: dryRun || names.length === 0 ? undefined : await prepareAuthFile(deps, config),
        dryRun,
        scheduled: opts.scheduled === true,
        at: deps.clock().toISOString(),
      };
      const out: ServiceUpdate[] = [];
      for (const name of names) {
        const why = held.get(name);
        if (why === undefined) {
          out.push(await updateOne(deps, ctx, found.get(name) as DesiredService));
        } else {
          const said = services.length > 0 ? { error: why } : { skipped: why };
          out.push({ service: name, images: [], restarted: false, ...said });
        }
      }
      // hoist's record of its pulls (only these are ever pruned)
      await recordPulls(
        deps,
        config,
        out.flatMap((u) =>
          u.images.flatMap((i) =>
            i.after !== undefined && i.after !== i.before && i.error === undefined
              ? [{ ref: i.image, id: i.after, service: u.service, at: ctx.at }]
              : []
          )
        ),
      );
      const path = imageChecksPath(config);
      const checks = mergeImageChecks(
        parseImageChecks(await deps.fs.readText(path)),
        out.flatMap((u) => u.images.flatMap((i) => checkOf(u.service, i, ctx.at))),
        opts.scheduled === true ? ctx.at : undefined,
      );
      await deps.fs.writeAtomic(path, JSON.stringify(checks, null, 2) + "\n", 0o600);
      if (!dryRun) {
        for (const u of out) {
          const changed = u.images.filter((i) => i.before !== i.after && i.error === undefined);
          store.recordEvent(
            ctx.at,
            u.error === undefined ? "image-update" : "image-update-failed",
            u.error ??
              (u.restarted
                ? `${u.service}: ${changed.map((i) => i.image).join(", ")} changed; restarted`
                : `${u.service}: images unchanged`),
          );
        }
      }
      return { revision: planned.desired.revision, dryRun, services: out };
    })
  );
}

/**
 * Why `service` is not one `hoist update` may pull for and restart now (pure), or undefined. The
 * update acts on what runs: a service whose plan has steps (its desired revision is not what
 * runs, as when the breaker holds it back or a rollout window is closed) would otherwise restart
 * on the fetched revision's images outside `apply`; one stopped through the remote API stays
 * stopped; one that runs as another account (`user =`) has its images in that account's storage,
 * which `hoist update` does not reach yet.
 *
 * @example
 * ```ts
 * notUpdatable(web, plan, []); // "web has 2 step(s) waiting for hoist apply: …"
 * ```
 */
export function notUpdatable(
  service: DesiredService,
  plan: Pick<Plan, "actions">,
  stops: readonly { readonly service: string; readonly principal: string; readonly at: string }[],
): string | undefined {
  const stop = stops.find((s) => s.service === service.name);
  if (stop !== undefined) {
    return `${service.name} was stopped by ${stop.principal} at ${stop.at}: left stopped ` +
      `(start it first: hoist remote HOST ${service.name} start)`;
  }
  if (service.status === "ready" && service.user !== undefined) {
    const where = service.user.file +
      (service.user.line === undefined ? "" : `:${service.user.line}`);
    return `${service.name} runs as ${service.user.name} (${where}): hoist update ` +
      "does not update an account's images yet; pin the new digest in Git and run hoist apply";
  }
  const steps = plan.actions.filter((a) =>
    a.kind !== "run-script" && actionService(a) === service.name
  );
  if (steps.length > 0) {
    return `${service.name} has ${steps.length} step(s) waiting for hoist apply ` +
      `(${[...new Set(steps.map((a) => a.reason))].slice(0, 2).join("; ")}): ` +
      "its images are updated once what runs is the repository's (run hoist plan)";
  }
  return undefined;
}

/** The services an update without names considers: any non-pinned image (scheduled: `auto`). */
export function defaultServices(services: readonly ReadyService[], scheduled: boolean): string[] {
  return services.filter((s) =>
    // only a written policy is `auto`: the scheduled check reads no unit of a service without one
    // (every timer run asks, on every service)
    (!scheduled || writesAuto(s)) && updateTargets(s).images.some((image) => {
      const r = refPolicy(writtenPolicy(s, image), image);
      return typeof r !== "string" && r.ref.digest === undefined &&
        (scheduled ? r.policy === "auto" : r.policy !== "pinned");
    })
  ).map((s) => s.name).sort();
}

/** True when `auto` is written for the service or for one of its images. */
function writesAuto(s: ReadyService): boolean {
  return s.updatePolicy === "auto" || Object.values(s.imagePolicies ?? {}).includes("auto");
}

interface UpdateContext {
  readonly images: PodmanImages;
  readonly digests: RegistryDigests;
  readonly logins: ReadonlyMap<string, RegistryCredentials>;
  readonly authFile: string | undefined;
  readonly dryRun: boolean;
  /** The scheduled check: only `auto` images are updated. */
  readonly scheduled: boolean;
  readonly at: string;
}

/**
 * Why the update leaves `image` of `service` alone under `policy` (pure), or undefined: a digest
 * pins it whatever the policy, `pinned` leaves it to Git, and the scheduled check updates only
 * `auto` images (a project's compose services may give their images different policies).
 *
 * @example
 * ```ts
 * skipReason(blog, "ghcr.io/acme/web:1", ref, "manual", true);
 * // "manual (services.blog.images): only hoist update blog changes it, not the scheduled check"
 * ```
 */
export function skipReason(
  service: Pick<ReadyService, "name" | "updatePolicy" | "imagePolicies">,
  image: string,
  ref: ImageRef,
  policy: UpdatePolicy,
  scheduled: boolean,
): string | undefined {
  if (ref.digest !== undefined) {
    return `pinned by its digest${ref.tag === undefined ? "" : ` (tag ${ref.tag} only shown)`}: ` +
      "only Git changes it";
  }
  const where = service.imagePolicies?.[image.trim()] !== undefined
    ? "x-hoist: { images }"
    : service.updatePolicy !== undefined
    ? `services.${service.name}.images`
    : "the default for a tag";
  if (policy === "pinned") return `pinned (${where}): only Git changes it`;
  if (scheduled && policy !== "auto") {
    return `${policy} (${where}): only hoist update ${service.name} changes it, not the ` +
      "scheduled check";
  }
  return undefined;
}

function checkOf(service: string, i: ImageUpdate, at: string): ImageCheck[] {
  if (i.skipped !== undefined || (i.remote === undefined && i.error === undefined)) return [];
  // after a pull the local image is the registry's
  const local = i.after !== i.before && i.error === undefined ? i.remote : i.local;
  return [{
    service,
    image: i.image,
    policy: i.policy,
    ...(local === undefined ? {} : { local }),
    ...(i.remote === undefined ? {} : { remote: i.remote }),
    ...(i.error === undefined ? {} : { error: i.error }),
    at,
  }];
}

async function updateOne(
  deps: Deps,
  ctx: UpdateContext,
  service: DesiredService,
): Promise<ServiceUpdate> {
  const ready = readyServices([service])[0];
  if (ready === undefined) {
    return {
      service: service.name,
      images: [],
      restarted: false,
      error: `${service.name} is blocked by an error in the repository: run hoist plan`,
    };
  }
  const targets = updateTargets(ready);
  const results: ImageUpdate[] = [];
  for (const image of targets.images) results.push(await updateImage(ctx, ready, image));
  const failed = results.find((r) => r.error !== undefined)?.error;
  if (failed !== undefined) {
    return { service: service.name, images: results, restarted: false, error: failed };
  }
  if (ctx.dryRun || !results.some((r) => r.before !== r.after)) {
    return { service: service.name, images: results, restarted: false };
  }
  const restart = unitsToRestart(
    ready,
    results.filter((r) => r.before !== r.after).map((r) => r.image),
  );
  try {
    await deps.systemctl.resetFailed(restart);
    await deps.systemctl.restart(restart);
  } catch (e) {
    if (!(e instanceof HoistError)) throw e;
    return { service: service.name, images: results, restarted: false, error: e.message };
  }
  return { service: service.name, images: results, restarted: true };
}

/** Checks one image and, unless it is current (or this is a dry run), pulls it. */
async function updateImage(
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
