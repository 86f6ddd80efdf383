/**
 * hoist's record of the images it pulled (`state_dir/pulled_images.json`) and the pruning after a
 * deploy that passed its health gate ({@link imagesToPrune}: only images hoist pulled, keeping each
 * service's current and previous one). Pruning never fails a run: what podman refuses stays.
 *
 * @module
 */
import type { PodmanImages } from "../adapters/podman_images.ts";
import type { Config } from "../config/load_config.ts";
import { DEFAULT_IMAGES } from "../config/default_images.ts";
import type { Deps } from "../deps.ts";
import { type DesiredState, readyServices } from "../desired/types.ts";
import {
  imagesToPrune,
  parsePulledImages,
  type PulledImage,
  pulledImagesText,
} from "../images/prune_images.ts";
import { unitImages } from "../images/unit_images.ts";
import { logger } from "../log.ts";

const log = logger("images");

/** Where hoist records its pulls. */
export function pulledImagesPath(config: Pick<Config, "stateDir">): string {
  return `${config.stateDir}/pulled_images.json`;
}

let writing: Promise<void> = Promise.resolve();

/** Adds pulls to the record (one write at a time; a failure is logged, never thrown). */
export function recordPulls(
  deps: Pick<Deps, "fs">,
  config: Pick<Config, "stateDir">,
  pulls: readonly PulledImage[],
): Promise<void> {
  writing = writing.then(async () => {
    const path = pulledImagesPath(config);
    const had = parsePulledImages(await deps.fs.readText(path));
    await deps.fs.writeAtomic(path, pulledImagesText([...had, ...pulls]), 0o600);
  }).catch((e) => log.warn("cannot record pulled images: {error}", { error: String(e) }));
  return writing;
}

/** What a prune did. */
export interface PruneReport {
  readonly removed: readonly string[];
  /** Ids podman kept (in use by a container, or already gone). */
  readonly kept: readonly string[];
}

/**
 * Removes the images hoist pulled that `desired`'s services no longer use (see
 * {@link imagesToPrune}), when `[images] prune` is on (the default).
 */
export async function pruneImages(
  deps: Pick<Deps, "fs">,
  config: Pick<Config, "stateDir" | "images">,
  desired: DesiredState,
  images: Pick<PodmanImages, "remove">,
): Promise<PruneReport> {
  if (!(config.images ?? DEFAULT_IMAGES).prune) return { removed: [], kept: [] };
  await writing;
  const path = pulledImagesPath(config);
  const pulls = parsePulledImages(await deps.fs.readText(path));
  const wanted = new Map(
    readyServices(desired.services).map((s) => [s.name, unitImages(s.units).map((i) => i.ref)]),
  );
  // a blocked service keeps everything it has: its deployed version still runs
  for (const s of desired.services) {
    if (s.status !== "ready") {
      wanted.set(s.name, pulls.filter((p) => p.service === s.name).map((p) => p.ref));
    }
  }
  const removed: string[] = [];
  const kept: string[] = [];
  for (const id of imagesToPrune(pulls, wanted)) {
    if (await images.remove(id).catch(() => false)) removed.push(id);
    else kept.push(id);
  }
  if (removed.length > 0) {
    const gone = new Set(removed);
    await deps.fs.writeAtomic(path, pulledImagesText(pulls.filter((p) => !gone.has(p.id))), 0o600);
    log.info("pruned {count} image(s) hoist pulled and no unit uses", { count: removed.length });
  }
  return { removed, kept };
}
