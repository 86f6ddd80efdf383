/**
 * Every check of `hoist doctor`, in the order shown, from one set of facts; and the exit code.
 *
 * @module
 */
import { checkDir, checkFile } from "./check_paths.ts";
import { checkDb, checkLastRun, checkTimer } from "./check_host.ts";
import { checkRootless } from "./check_rootless.ts";
import { checkAccounts } from "./check_accounts.ts";
import { checkLostDb, checkSpace } from "./check_state.ts";
import { checkClock, checkReach, checkSigned, checkSops } from "./check_source.ts";
import { checkGenerator, checkPodman, checkSystemd } from "./check_tools.ts";
import { type CheckResult, type DoctorFacts, result } from "./types.ts";

/** The config check: it parses (the rest needs it). */
export function checkConfig(facts: DoctorFacts): CheckResult {
  const c = facts.config;
  if (!c.ok) return result("config", "error", c.message, c.hint ?? "Fix the config file");
  const v = c.value;
  return result(
    "config",
    "ok",
    `${facts.configFile}: host ${v.host}, mode ${v.mode}, ${v.sources.length} source(s)`,
  );
}

/** The checks, in order; those needing the config only when it parses. */
export function doctorChecks(facts: DoctorFacts, searched: readonly string[]): CheckResult[] {
  const out: CheckResult[] = [checkConfig(facts)];
  const config = facts.config.ok ? facts.config.value : undefined;
  for (const d of facts.dirs) out.push(checkDir(d.key, d.stat, facts.uid));
  out.push(checkGenerator(facts.generator, config?.quadletBin, searched));
  out.push(checkPodman(facts.podman, facts.generator), checkSystemd(facts.systemd));
  out.push(...checkRootless(facts.rootless, facts.uid));
  out.push(...checkAccounts(facts.accounts ?? []));
  for (const s of facts.sources) {
    out.push(checkReach(s));
    const signed = config && checkSigned(s, config);
    if (signed) out.push(signed);
  }
  for (const f of facts.files) out.push(checkFile(f.file, f.stat, facts.uid));
  const sops = checkSops(facts.sources, facts.sops, facts.sopsKeyVars);
  if (sops) out.push(sops);
  out.push(checkClock(facts.clock.now, facts.clock.synchronized, facts.sources));
  if (config) {
    out.push(checkTimer(facts.units, config.mode));
    const last = checkLastRun(facts.units, config.mode);
    if (last) out.push(last);
    out.push(checkDb(facts.db));
    const lost = checkLostDb(facts.db, facts.hoistUnits);
    if (lost) out.push(lost);
    for (const s of facts.space) out.push(checkSpace(s));
  }
  return out;
}

/** 1 when any check is an error, else 0. */
export function doctorExitCode(results: readonly CheckResult[]): 0 | 1 {
  return results.some((r) => r.level === "error") ? 1 : 0;
}
