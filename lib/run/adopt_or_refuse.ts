/**
 * A run's answer to a lost state DB ({@link adoptOrRefuse}): an error naming the recovery, or,
 * with `--adopt`, the inventory rebuilt from the unit files that carry hoist's labels.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { HoistError } from "../errors.ts";
import { readPrefixedUnits } from "../observed/collect_observed.ts";
import { adoptInventory } from "../reconcile/adopt.ts";
import type { Store } from "../state/store.ts";
import { planFromSources, type PlanResult } from "./plan_sources.ts";
import type { RunOptions } from "./run_result.ts";

/**
 * A state DB with no inventory while quadlet_dir holds unit files with hoist's labels is a lost
 * DB, not a fresh install: hoist would forget to stop what it owns and take any commit (no
 * anti-rollback baseline). Without `adopt` that is an error naming the recovery; with it, the
 * inventory is rebuilt from the files ({@link adoptInventory}), recorded (a real apply) together
 * with the fetched commits as the new anti-rollback baseline, and the plan made again against it.
 */
export async function adoptOrRefuse(
  deps: Deps,
  config: Config,
  store: Store,
  planned: PlanResult,
  opts: RunOptions,
  startedAt: string,
): Promise<PlanResult> {
  const inv = planned.observed.inventory;
  if (inv.services.size > 0 || inv.units.size > 0) return planned;
  const files = await readPrefixedUnits(deps.fs, config.quadletDir, config.unitPrefix);
  const adopted = adoptInventory(files, config.unitPrefix, startedAt);
  if (adopted.units.size === 0) return planned;
  const names = [...adopted.services.keys()].sort();
  if (!opts.adopt) {
    throw new HoistError(
      "state-failed",
      `${config.stateDir}/state.db records nothing, but ${config.quadletDir} holds ${adopted.units.size} unit file(s) hoist wrote (services ${
        names.join(", ")
      }): the state DB was lost or emptied; refusing to start afresh (that would leave those services unmanaged and accept any commit)`,
      "Run `hoist apply --adopt --dry-run` to see the plan, then `hoist apply --adopt`: it owns those files again and accepts the commit now fetched as the last deployed one",
    );
  }
  if (!opts.dryRun) {
    store.recordDeployment({
      startedAt,
      finishedAt: startedAt,
      host: config.host,
      revision: planned.plan.revision,
      status: "ok",
      actions: [],
      inventory: {
        upsertUnits: [...adopted.units.values()],
        deleteUnits: [],
        upsertServices: [...adopted.services.values()],
        deleteServices: [],
      },
      sources: planned.fetched.flatMap((f) => f.records).map((r) => ({
        ...r,
        deployedAt: startedAt,
      })),
    });
    store.recordEvent(startedAt, "adopted", `adopted ${names.join(", ")} from their unit files`);
    return await planFromSources(deps, config, planned.fetched, store, { dryRun: false });
  }
  const adopting: Store = {
    ...store,
    loadInventory: () => ({
      ...adopted,
      services: new Map(adopted.services),
      units: new Map(adopted.units),
    }),
  };
  return await planFromSources(deps, config, planned.fetched, adopting, { dryRun: true });
}
