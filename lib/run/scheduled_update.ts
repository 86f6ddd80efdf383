/**
 * The scheduled update check of `auto` services: after a timer run (`hoist apply`) or a
 * scheduled `hoist serve` run, when `[images] check_every` has passed since the last one recorded
 * in `state_dir/image_checks.json`, {@link runUpdate} for the `auto` services of the deployed
 * desired state (none: nothing is done) (checked against
 * their registries, pulled and restarted only where the registry names another image).
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import { DEFAULT_IMAGES } from "../config/default_images.ts";
import type { Deps } from "../deps.ts";
import { parseImageChecks } from "../images/image_checks.ts";
import type { Outcome } from "./outcome.ts";
import { imageChecksPath } from "./registry_auth.ts";
import { defaultServices } from "./not_updatable.ts";
import { runUpdate, type UpdateReport } from "./update_run.ts";
import { type DesiredState, readyServices } from "../desired/types.ts";

/** True when the scheduled check is due at `now` (pure). */
export function checkDue(
  checkEveryMs: number,
  lastAt: string | undefined,
  now: Date,
): boolean {
  if (checkEveryMs <= 0) return false;
  const last = lastAt === undefined ? Number.NaN : Date.parse(lastAt);
  return Number.isNaN(last) || now.getTime() - last >= checkEveryMs || now.getTime() < last;
}

/** Runs the scheduled check when it is due; undefined when it is not. */
export async function scheduledUpdate(
  deps: Deps,
  config: Config,
  desired: DesiredState,
  lockTimeoutMs: number,
): Promise<Outcome<UpdateReport> | undefined> {
  // nothing to do (not even a file read) on a host without auto services
  if (defaultServices(readyServices(desired.services), true).length === 0) return undefined;
  const every = (config.images ?? DEFAULT_IMAGES).checkEveryMs;
  const checks = parseImageChecks(await deps.fs.readText(imageChecksPath(config)));
  if (!checkDue(every, checks.autoCheckedAt, deps.clock())) return undefined;
  return await runUpdate(deps, config, [], { lockTimeoutMs, scheduled: true });
}
