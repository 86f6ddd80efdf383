/**
 * `hoist update SERVICE…` (and, next, `POST /redeploy-and-update/<service>`): pull the images the
 * deployed commit names for a service and restart it only when an image changed. A failed pull
 * leaves the service running its current image. The commit is fetched and verified as for a plan,
 * under the state_dir lock, and nothing else is changed: pending changes wait for `apply`.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { unitEntries } from "../desired/unit_text.ts";
import { type DesiredService, type ReadyService, readyServices } from "../desired/types.ts";
import { HoistError } from "../errors.ts";
import { parseImageRef } from "../images/image_ref.ts";
import { createPodmanImages, type PodmanImages } from "../adapters/podman_images.ts";
import { fetchSources } from "./fetch_sources.ts";
import { withLockedStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";
import { planFromSources } from "./plan_sources.ts";
import { prepareAuthFile } from "./registry_auth.ts";

/** How long one pull may take. */
export const PULL_TIMEOUT_MS = 5 * 60_000;

/** What to pull and what to restart for one service. */
export interface UpdateTargets {
  /** Registry images its containers run (`.image`/`.build` units are quadlet's to pull or build). */
  readonly images: readonly string[];
  /** The units hoist starts for it, restarted when an image changed. */
  readonly units: readonly string[];
}

/**
 * The images and entry units of `service` (pure).
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
    for (const e of unitEntries(u.content)) {
      if (e.section === "Container" && e.key === "Image" && !/\.(image|build)$/.test(e.value)) {
        images.add(e.value);
      }
    }
  }
  return {
    images: [...images].sort(),
    units: service.units.filter((u) => u.entry).map((u) => u.serviceUnit).sort(),
  };
}

/** One image: the id before and after the pull, or why it could not be pulled. */
export interface ImageUpdate {
  readonly image: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
  readonly error?: string;
}

/** What updating one service did. */
export interface ServiceUpdate {
  readonly service: string;
  readonly images: readonly ImageUpdate[];
  /** True when an image changed and the units were restarted. */
  readonly restarted: boolean;
  /** Why it was not updated (a failed pull, a failed restart, a blocked service). */
  readonly error?: string;
}

/** The update of each service asked for. */
export interface UpdateReport {
  readonly revision: string;
  readonly services: readonly ServiceUpdate[];
}

/** Updates `services` (names from config.yml); an unknown name is a `not-found` error. */
export function runUpdate(
  deps: Deps,
  config: Config,
  services: readonly string[],
  opts: { readonly lockTimeoutMs: number; readonly images?: PodmanImages },
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
      const images = opts.images ?? createPodmanImages(deps.run);
      const authFile = await prepareAuthFile(deps, config);
      const out: ServiceUpdate[] = [];
      for (const name of services) {
        const service = found.get(name) as DesiredService;
        out.push(await updateOne(deps, images, service, authFile));
      }
      for (const u of out) {
        const changed = u.images.filter((i) => i.before !== i.after && i.error === undefined);
        store.recordEvent(
          deps.clock().toISOString(),
          u.error === undefined ? "image-update" : "image-update-failed",
          u.error ??
            (u.restarted
              ? `${u.service}: ${changed.map((i) => i.image).join(", ")} changed; restarted`
              : `${u.service}: images unchanged`),
        );
      }
      return { revision: planned.desired.revision, services: out };
    })
  );
}

async function updateOne(
  deps: Deps,
  images: PodmanImages,
  service: DesiredService,
  authFile: string | undefined,
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
  for (const image of targets.images) {
    const ref = parseImageRef(image);
    if (typeof ref === "string") {
      results.push({ image, before: undefined, after: undefined, error: `${image}: ${ref}` });
      continue;
    }
    const before = await images.imageId(image);
    try {
      await images.pull(image, PULL_TIMEOUT_MS, authFile);
      results.push({ image, before, after: await images.imageId(image) });
    } catch (e) {
      if (!(e instanceof HoistError)) throw e;
      results.push({ image, before, after: before, error: e.message });
    }
  }
  const failed = results.find((r) => r.error !== undefined)?.error;
  if (failed !== undefined) {
    return { service: service.name, images: results, restarted: false, error: failed };
  }
  if (!results.some((r) => r.before !== r.after)) {
    return { service: service.name, images: results, restarted: false };
  }
  try {
    await deps.systemctl.resetFailed(targets.units);
    await deps.systemctl.restart(targets.units);
  } catch (e) {
    if (!(e instanceof HoistError)) throw e;
    return { service: service.name, images: results, restarted: false, error: e.message };
  }
  return { service: service.name, images: results, restarted: true };
}
