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
import { type DesiredService, readyServices } from "../desired/types.ts";
import { HoistError } from "../errors.ts";
import { type ImageCheck, mergeImageChecks, parseImageChecks } from "../images/image_checks.ts";
import { createPodmanImages, type PodmanImages } from "../adapters/podman_images.ts";
import { createRegistryDigests, type RegistryDigests } from "../adapters/registry_digest.ts";
import { fetchSources } from "./fetch_sources.ts";
import { withLockedStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";
import { planFromSources } from "./plan_sources.ts";
import { imageChecksPath, prepareAuthFile, registryLogins } from "./registry_auth.ts";
import { recordPulls } from "./image_prune.ts";
import { keepStopped } from "../reconcile/keep_stopped.ts";
import { recordedStops } from "../state/remote_store.ts";
import { unitsToRestart, updateTargets } from "./update_targets.ts";
import { defaultServices, notUpdatable } from "./not_updatable.ts";
import { type ImageUpdate, type UpdateContext, updateImage } from "./update_image.ts";

/** How long one registry query (a digest check) may take. */
export const CHECK_TIMEOUT_MS = 30_000;

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
