/**
 * The state store of a config, opened with the lock in state_dir held: one run at a time.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { HoistError, hostError } from "../errors.ts";
import { logger } from "../log.ts";
import type { Store } from "../state/store.ts";
import { mark } from "../trace.ts";

const log = logger("run");

/**
 * Opens the state store of `config`, creating state_dir; a state_dir that cannot be a folder
 * (a file in its place or above it, no permission, a read-only or full disk) is a `state-failed`
 * error naming it and the config that set it.
 */
export async function openConfigStore(deps: Deps, config: Config): Promise<Store> {
  try {
    await deps.fs.mkdirp(config.stateDir);
  } catch (e) {
    const cause = e instanceof HoistError && e.cause !== undefined ? e.cause : e;
    throw hostError(
      "state-failed",
      `cannot create state_dir ${config.stateDir} (set in ${config.file})`,
      config.stateDir,
      cause,
    );
  }
  return deps.openStore(`${config.stateDir}/state.db`);
}

/**
 * Runs `fn` with the state store open and the lock held (status and render fetch into the same
 * cache and may rebuild the keyring, so they take it too).
 */
export async function withLockedStore<T>(
  deps: Deps,
  config: Config,
  lockTimeoutMs: number,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openConfigStore(deps, config);
  mark("store opened");
  try {
    const path = `${config.stateDir}/lock`;
    const release = await deps.lock(
      path,
      lockTimeoutMs,
      (holder) =>
        log.warn("another hoist run{pid} holds {path}; waiting up to {seconds} s for it", {
          pid: holder === undefined ? "" : ` (pid ${holder})`,
          path,
          seconds: Math.round(lockTimeoutMs / 1000),
        }),
    );
    mark("lock held");
    try {
      return await fn(store);
    } finally {
      release();
    }
  } finally {
    store.close();
  }
}
