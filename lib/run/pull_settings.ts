/**
 * How an apply pulls the images its plan names before (re)starting services: podman, hoist's
 * auth file when `[[registries]]` are configured, a timeout per pull and a few at a time.
 *
 * @module
 */
import { createPodmanImages } from "../adapters/podman_images.ts";
import type { PullSettings } from "../apply/pull_images.ts";
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { prepareAuthFile } from "./registry_auth.ts";
import { recordPulls } from "./image_prune.ts";

/** How long one pull may take. */
export const PULL_TIMEOUT_MS = 5 * 60_000;

/** Pulls running at once: enough to overlap registry round trips, few enough for a small host. */
export const PULL_PARALLEL = 3;

/** The pull settings of an apply (the auth file is written only once a pull needs it). */
export function pullSettings(
  deps: Deps,
  config: Pick<Config, "registries" | "stateDir">,
): PullSettings {
  const images = createPodmanImages(deps.run);
  return {
    images,
    authFile: () => prepareAuthFile(deps, config),
    timeoutMs: PULL_TIMEOUT_MS,
    parallel: PULL_PARALLEL,
    // hoist's record of its pulls: only these images are ever pruned
    onPulled: async (ref, services) => {
      const id = await images.imageId(ref).catch(() => undefined);
      if (id === undefined) return;
      const at = deps.clock().toISOString();
      await recordPulls(deps, config, services.map((service) => ({ ref, id, service, at })));
    },
  };
}
