/**
 * Puts services back to a healthy revision ({@link rollBackTo}): their units written back into
 * their manager's quadlet folder, one daemon-reload per manager, a restart, and a new verdict.
 * Used by the gate and by `hoist rollback`.
 *
 * @module
 */
import type { Systemctl } from "../adapters/systemctl.ts";
import type { HealthSettings } from "../desired/health_settings.ts";
import type { Candidate } from "../health/gate_plan.ts";
import { type ComposeTarget, healthChecks } from "../health/compose_checks.ts";
import type { HealthyRevision } from "../health/types.ts";
import type { HealthCheckRecord } from "../state/health_records.ts";
import type { GateDeps } from "./gate_deps.ts";
import { judgeChecks } from "./judge_checks.ts";

/** One service to put back to `target`; `failedPaths`: the unit files of what it runs now. */
export interface RollbackItem {
  readonly c: Candidate;
  readonly target: HealthyRevision;
  readonly reason: string;
  readonly failedPaths: readonly string[];
  /** The units to restart (absent: all of the target's). */
  readonly restart?: readonly string[];
}

/**
 * Writes each target's units back (and removes the failed revision's others) into its manager's
 * quadlet folder (a service running as another account: that account's), one daemon-reload per
 * manager, then resets and restarts each target through its manager and judges it again. Used
 * by the gate and by `hoist rollback`.
 */
export async function rollBackTo(
  items: readonly RollbackItem[],
  input: {
    readonly quadletDir: string;
    readonly healthOf: (service: string) => HealthSettings | undefined;
    /** A compose project's compose services (their own settings are not used here). */
    readonly composeOf?: (service: string) => readonly ComposeTarget[] | undefined;
  },
  deps: GateDeps,
): Promise<{ error?: string; check?: HealthCheckRecord }[]> {
  const errors = new Map<string, string>();
  const text = (e: unknown) => e instanceof Error ? e.message : String(e);
  // each service's units go back into its manager's folder: hoist's own, or its account's
  const managers = new Map<string | undefined, Manager | undefined>();
  const managerOf = (user: string | undefined) => {
    if (!managers.has(user)) managers.set(user, managerFor(user, input.quadletDir, deps));
    return managers.get(user);
  };
  for (const { c, target, failedPaths } of items) {
    const m = managerOf(c.user);
    if (m === undefined) {
      errors.set(c.service, `account ${c.user} is not known here: cannot write its units back`);
      continue;
    }
    try {
      const keep = new Set(target.units.map((u) => u.path));
      for (const u of target.units) await m.write(u.path, u.content);
      for (const p of failedPaths) if (!keep.has(p)) await m.remove(p);
    } catch (e) {
      errors.set(c.service, `cannot write its units back: ${text(e)}`);
    }
  }
  // one daemon-reload per manager that got units back
  const reloaded = new Map<string | undefined, string | undefined>();
  for (const { c } of items) {
    const m = managerOf(c.user);
    if (m === undefined || errors.has(c.service) || reloaded.has(c.user)) continue;
    try {
      await m.systemctl.daemonReload();
      reloaded.set(c.user, undefined);
    } catch (e) {
      reloaded.set(c.user, `daemon-reload failed: ${text(e)}`);
    }
  }
  return await Promise.all(items.map(async ({ c, target, restart }) => {
    const early = errors.get(c.service) ?? reloaded.get(c.user);
    const m = managerOf(c.user);
    if (early !== undefined || m === undefined) {
      return { error: early ?? `account ${c.user} is not known here` };
    }
    try {
      const units = restart ?? target.serviceUnits;
      await m.systemctl.resetFailed(units);
      await m.systemctl.restart(units);
    } catch (e) {
      return { error: `restart failed: ${text(e)}` };
    }
    const back: Candidate = {
      service: c.service,
      hash: target.hash,
      revision: target.revision,
      units: target.serviceUnits.filter((u) => u.endsWith(".service")),
      ...(c.user === undefined ? {} : { user: c.user }),
    };
    const settings = input.healthOf(c.service);
    // a compose project's restarted compose services each by their own default check (or none)
    const checks = healthChecks(
      restart ?? back.units,
      back.units,
      settings,
      (input.composeOf?.(c.service) ?? []).map((t) => ({
        service: t.service,
        unit: t.unit,
        ...(t.health?.probe.kind === "none" ? { health: t.health } : {}),
      })),
    );
    const j = await judgeChecks(back, checks, "rollback", deps);
    return { check: j.check };
  }));
}

/** A manager a rollback writes units for: its quadlet folder (paths relative) and systemctl. */
interface Manager {
  readonly write: (rel: string, content: string) => Promise<void>;
  readonly remove: (rel: string) => Promise<void>;
  readonly systemctl: Pick<Systemctl, "daemonReload" | "resetFailed" | "restart">;
}

/** hoist's own manager and quadlet_dir, or `user`'s (undefined when it is not known here). */
function managerFor(
  user: string | undefined,
  quadletDir: string,
  deps: GateDeps,
): Manager | undefined {
  if (user === undefined) {
    return {
      write: (rel, content) => deps.fs.writeAtomic(`${quadletDir}/${rel}`, content, 0o644),
      remove: (rel) => deps.fs.remove(`${quadletDir}/${rel}`, quadletDir),
      systemctl: deps.systemctl,
    };
  }
  const account = deps.accountExec?.(user);
  return account === undefined ? undefined : {
    write: (rel, content) => account.files.write(rel, content),
    remove: (rel) => account.files.remove(rel),
    systemctl: account.systemctl,
  };
}
