/**
 * The executor's adapters for the accounts the observed state found (services with `user =`):
 * each account's user manager, quadlet folder, copy sharing, podman storage for pulls, and the
 * health gate's unit facts and probes through them.
 *
 * @module
 */
import { createHealthProbes } from "../adapters/health_probe.ts";
import { createPodmanImages } from "../adapters/podman_images.ts";
import { createUnitFacts } from "../adapters/unit_facts.ts";
import { shareCopy } from "../adapters/user_manager.ts";
import type { AccountExec } from "../apply/account_exec.ts";
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import type { ObservedAccount } from "../types/observed.ts";
import { PULL_PARALLEL, PULL_TIMEOUT_MS } from "./pull_settings.ts";

/**
 * Account name → its adapters, for the accounts observe found (and that linger); undefined for
 * any other name, so an action for it fails saying so.
 */
export function accountExecs(
  deps: Pick<Deps, "accounts" | "run">,
  config: Pick<Config, "stateDir">,
  accounts: ReadonlyMap<string, ObservedAccount | undefined> | undefined,
): ((user: string) => AccountExec | undefined) | undefined {
  const access = deps.accounts;
  if (access === undefined || accounts === undefined || accounts.size === 0) return undefined;
  const made = new Map<string, AccountExec>();
  return (user) => {
    const account = accounts.get(user);
    if (account === undefined || !account.lingers) return undefined;
    const known = made.get(user);
    if (known !== undefined) return known;
    const target = access.target(account);
    const exec: AccountExec = {
      systemctl: target.systemctl,
      files: target.files,
      shareCopy: (dir) => shareCopy(dir, account, config.stateDir),
      // hoist's registry auth file stays in its 0700 state folder: the account pulls with its own podman login
      pull: {
        images: createPodmanImages(target.run),
        authFile: () => Promise.resolve(undefined),
        timeoutMs: PULL_TIMEOUT_MS,
        parallel: PULL_PARALLEL,
      },
      facts: createUnitFacts(deps.run, "user", "systemctl", user),
      probes: createHealthProbes(target.run),
    };
    made.set(user, exec);
    return exec;
  };
}
