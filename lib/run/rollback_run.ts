/**
 * `hoist rollback SERVICE [--to HASH|REVISION] [--dry-run]` ({@link runRollback}), under the apply
 * lock; the manual rollback's code is loaded only when it runs.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import type { AccountExec } from "../apply/account_exec.ts";
import { gateAdapters } from "./gate_adapters.ts";
import type { ManualRollback } from "../apply/manual_rollback.ts";
import type { Store } from "../state/store.ts";
import { withLockedStore } from "./locked_store.ts";
import { attempt, type Outcome } from "./outcome.ts";
import { accountExecs } from "./account_execs.ts";

/** `hoist rollback SERVICE [--to HASH|REVISION] [--dry-run]`, under the apply lock. */
export function runRollback(
  deps: Deps,
  config: Config,
  opts: { service: string; to?: string; dryRun: boolean; lockTimeoutMs: number },
): Promise<Outcome<ManualRollback>> {
  return attempt(() =>
    withLockedStore(
      deps,
      config,
      opts.lockTimeoutMs,
      async (store) =>
        (await import("../apply/manual_rollback.ts")).manualRollback(store, {
          ...gateAdapters(deps, config),
          ...await rollbackAccount(deps, config, store, opts.service),
        }, {
          service: opts.service,
          ...(opts.to === undefined ? {} : { to: opts.to }),
          dryRun: opts.dryRun,
          quadletDir: config.quadletDir,
          host: config.host,
        }),
    )
  );
}

/** The account adapters `hoist rollback SERVICE` needs when SERVICE runs as another account. */
async function rollbackAccount(
  deps: Deps,
  config: Config,
  store: Store,
  service: string,
): Promise<{ accountExec?: (user: string) => AccountExec | undefined }> {
  const user = store.loadInventory().services.get(service)?.user;
  if (user === undefined || deps.accounts === undefined) return {};
  const exec = accountExecs(deps, config, await deps.accounts.lookup([user]));
  return exec === undefined ? {} : { accountExec: exec };
}
