/**
 * What `hoist update` acts on in one service (pure): the registry images its containers run
 * ({@link updateTargets}) and, once some of them changed, the units it restarts
 * ({@link unitsToRestart}).
 *
 * @module
 */
import { unitEntries } from "../desired/unit_text.ts";
import type { ReadyService } from "../desired/types.ts";
import { unitImage } from "../images/unit_images.ts";

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
