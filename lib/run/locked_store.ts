/**
 * The state store of a config, opened with the lock in state_dir held: one run at a time.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import type { Store } from "../state/store.ts";

/** Opens the state store of `config` (creating state_dir). */
export async function openConfigStore(deps: Deps, config: Config): Promise<Store> {
  await deps.fs.mkdirp(config.stateDir);
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
  try {
    const release = await deps.lock(`${config.stateDir}/lock`, lockTimeoutMs);
    try {
      return await fn(store);
    } finally {
      release();
    }
  } finally {
    store.close();
  }
}
