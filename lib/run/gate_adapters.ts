/**
 * What the health gate and a manual rollback need of the host, made from a run's deps: files,
 * systemd, unit facts and probes of this hoist's manager, the clock and sleep.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { createHealthProbes } from "../adapters/health_probe.ts";
import { createUnitFacts } from "../adapters/unit_facts.ts";

/** The gate's adapters for `config`'s manager (an account's are added by the caller). */
export function gateAdapters(deps: Deps, config: Config) {
  return {
    fs: deps.fs,
    systemctl: deps.systemctl,
    facts: createUnitFacts(deps.run, config.mode),
    probes: createHealthProbes(deps.run),
    clock: deps.clock,
    sleep: deps.sleep,
  };
}
