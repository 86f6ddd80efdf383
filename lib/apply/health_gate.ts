/**
 * The health gate after an apply: judges every service the apply (re)started, in parallel, each
 * bounded by its `window`; rolls each unhealthy one back to its last healthy revision (its units
 * written back, one daemon-reload per manager, a restart) and judges that again. A service that
 * runs as another account (`user =`) is looked at, and rolled back, through that account's
 * manager, quadlet folder and podman. Decides nothing
 * itself: {@link gateCandidates}, {@link judge}, {@link gateStep}, {@link rollbackTarget} and
 * {@link rolledBackInventory} do.
 *
 * @module
 */
import type { Fs } from "../adapters/fs.ts";
import type { HealthProbes } from "../adapters/health_probe.ts";
import type { Systemctl } from "../adapters/systemctl.ts";
import type { UnitFactsReader } from "../adapters/unit_facts.ts";
import type { AccountExec } from "./account_exec.ts";
import type { HealthSettings } from "../desired/health_config.ts";
import {
  type Candidate,
  gateCandidates,
  gateStep,
  probeName,
  rollbackUnits,
  rolledBackInventory,
  unblame,
} from "../health/gate_plan.ts";
import {
  combineVerdicts,
  type ComposeTarget,
  type HealthCheck,
  healthChecks,
} from "../health/compose_checks.ts";
import { resolveProbe } from "../health/resolve_probe.ts";
import { rollbackLine, rollbackTarget } from "../health/rollback_target.ts";
import type {
  FailedHash,
  HealthyRevision,
  Observation,
  ProbeResult,
  UnitFacts,
  Verdict,
} from "../health/types.ts";
import { judge } from "../health/verdict.ts";
import { logger } from "../log.ts";
import type { ApplyResult } from "../reconcile/deployment_record.ts";
import type { ActionRecord } from "../reconcile/records.ts";
import type { Plan } from "../reconcile/types.ts";
import type { HealthCheckRecord, HealthRecording, RollbackRecord } from "../state/store.ts";
import type { InventoryService } from "../types/observed.ts";

const log = logger("health");

const PENDING: Verdict = { state: "pending", waitMs: 0 };

/** What the gate calls. */
export interface GateDeps {
  readonly fs: Fs;
  readonly systemctl: Systemctl;
  readonly facts: UnitFactsReader;
  readonly probes: HealthProbes;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * The adapters of an account services run as (`user =`): its manager, quadlet folder, unit
   * facts and podman; undefined (or absent) when it is not known here.
   */
  readonly accountExec?: (user: string) => AccountGate | undefined;
}

/** What the gate uses of an account. */
export type AccountGate = Pick<AccountExec, "systemctl" | "files" | "facts" | "probes">;

/** Where a candidate's facts and probes come from: hoist's own, or its account's. */
function lookersOf(
  c: Candidate,
  deps: GateDeps,
): Pick<GateDeps, "facts" | "probes"> | { readonly missing: string } {
  if (c.user === undefined) return deps;
  return deps.accountExec?.(c.user) ??
    { missing: `account ${c.user} is not known here: cannot look at its services` };
}

/** What the gate knows of the run. */
export interface GateInput {
  readonly plan: Plan;
  readonly applied: ApplyResult;
  /** The inventory before the apply. */
  readonly prev: ReadonlyMap<string, InventoryService>;
  /** The service's settings (absent: the default) and what passing records as healthy. */
  readonly services: ReadonlyMap<string, {
    readonly health?: HealthSettings;
    /** Services it depends on (Requires=, After=): an unhealthy one is blamed, not this one. */
    readonly dependsOn?: readonly string[];
    /** A compose project's compose services, each judged in its own container when restarted. */
    readonly compose?: readonly ComposeTarget[];
    readonly revision: Omit<HealthyRevision, "at" | "revision">;
  }>;
  readonly healthy: readonly HealthyRevision[];
  readonly failed: readonly FailedHash[];
  readonly quadletDir: string;
}

/** The apply's result with the gate's records added, and what to record in the health tables. */
export interface GateResult {
  readonly applied: ApplyResult;
  readonly recording: HealthRecording;
  /** One line per service rolled back or left down (`web: rolled back 3f2a… → 9c1d… (…)`). */
  readonly lines: readonly string[];
}

interface Judged {
  readonly verdict: Verdict;
  readonly check: HealthCheckRecord;
}

/** Runs the gate. Never throws for a service's failure; the records say what happened. */
export async function healthGate(input: GateInput, deps: GateDeps): Promise<GateResult> {
  const candidates = gateCandidates(input.plan, input.applied, input.prev);
  if (candidates.length === 0) {
    return {
      applied: input.applied,
      recording: { checks: [], rollbacks: [], healthy: [], failed: [] },
      lines: [],
    };
  }
  const judged = await Promise.all(
    candidates.map((c) => judgeDeploy(c, input.services.get(c.service), deps)),
  );
  const now = () => deps.clock().toISOString();
  const fair = unblame(
    new Map(candidates.map((c, i) => [c.service, judged[i]?.verdict ?? PENDING])),
    (svc) => input.services.get(svc)?.dependsOn ?? [],
  );
  const checks: HealthCheckRecord[] = judged.map((j, i) => {
    const v = fair.get(candidates[i]?.service ?? "");
    return v === undefined || v === j.verdict || v.state === "pending"
      ? j.check
      : { ...j.check, verdict: v.state, reason: v.reason };
  });
  const healthy: HealthyRevision[] = [];
  const failed: FailedHash[] = [];
  const rollbacks: RollbackRecord[] = [];
  const records: ActionRecord[] = [];
  const lines: string[] = [];
  const toRollBack: RollbackItem[] = [];
  let inventory = input.applied.inventory;
  for (const [i, c] of candidates.entries()) {
    const j = judged[i];
    const verdict = fair.get(c.service);
    if (j === undefined || verdict === undefined) continue;
    const step = gateStep(c, verdict);
    log.info("{service} {hash}: {verdict} ({reason})", {
      service: c.service,
      hash: c.hash.slice(0, 12),
      verdict: verdict.state,
      reason: checks[i]?.reason ?? "",
    });
    if (step.kind === "keep") {
      const rev = input.services.get(c.service)?.revision;
      if (rev !== undefined && rev.hash === c.hash) {
        healthy.push({ ...rev, revision: c.revision, at: j.check.finishedAt });
      }
    } else if (step.kind === "report") {
      // a failed start already has its record; only the gate's own finding needs one
      if (c.startError === undefined) {
        records.push(failure(c, `${c.service}: unhealthy (${step.reason})`));
        lines.push(`${c.service}: unhealthy (${step.reason})`);
      }
    } else if (step.kind === "roll-back") {
      failed.push({
        service: c.service,
        hash: c.hash,
        at: j.check.finishedAt,
        reason: step.reason,
      });
      const target = await pickTarget(c, input, deps.fs);
      if (target === undefined) {
        const line = rollbackLine(c.service, c.hash, undefined, step.reason);
        rollbacks.push({
          service: c.service,
          fromHash: c.hash,
          at: now(),
          reason: step.reason,
          result: "down",
        });
        records.push(failure(c, line));
        lines.push(line);
      } else {
        const composeUnits = (input.services.get(c.service)?.compose ?? []).map((t) => t.unit);
        toRollBack.push({
          c,
          target,
          reason: step.reason,
          failedPaths: unitPaths(input.plan, c),
          restart: rollbackUnits(c, target, composeUnits),
        });
      }
    }
  }
  if (toRollBack.length > 0) {
    const rolledAt = now();
    const done = await rollBackTo(toRollBack, {
      quadletDir: input.quadletDir,
      // the restored revision is judged by the default check (its image's HEALTHCHECK, else
      // settle), as `hoist rollback` judges it: the probe configured now came with the commit
      // that failed and may check what only the new revision serves (health is not in the hash)
      healthOf: (svc) => {
        const h = input.services.get(svc)?.health;
        return h?.probe.kind === "none" ? h : undefined;
      },
      composeOf: (svc) => input.services.get(svc)?.compose,
    }, deps);
    for (const [k, r] of toRollBack.entries()) {
      const out = done[k];
      if (out === undefined) continue;
      if (out.check !== undefined) checks.push(out.check);
      const ok = out.error === undefined && out.check?.verdict !== "unhealthy";
      const line = ok
        ? rollbackLine(r.c.service, r.c.hash, r.target.hash, r.reason)
        : `${
          rollbackLine(r.c.service, r.c.hash, r.target.hash, r.reason)
        }; the rollback failed too (${out.error ?? out.check?.reason ?? "unknown"}): down`;
      rollbacks.push({
        service: r.c.service,
        fromHash: r.c.hash,
        toHash: r.target.hash,
        toRevision: r.target.revision,
        at: rolledAt,
        reason: r.reason,
        result: ok ? "rolled-back" : "failed",
      });
      records.push({
        kind: "restart",
        service: r.c.service,
        unit: r.target.serviceUnits.join(" "),
        reason: `rollback to ${r.target.hash.slice(0, 12)} after failed health`,
        result: "failed",
        error: line,
      });
      lines.push(line);
      if (out.error === undefined) {
        inventory = rolledBackInventory(inventory, r.target, r.failedPaths, now(), r.c.user);
      }
    }
  }
  return {
    applied: {
      actions: [...input.applied.actions, ...records],
      inventory,
      failed: input.applied.failed || records.length > 0,
    },
    recording: { checks, rollbacks, healthy, failed },
    lines,
  };
}

function failure(c: Candidate, error: string): ActionRecord {
  return {
    kind: "restart",
    service: c.service,
    unit: c.units.join(" "),
    reason: "health check",
    result: "failed",
    error,
  };
}

/** The unit files the failed revision has (written by the plan or recorded for it). */
function unitPaths(plan: Plan, c: Candidate): string[] {
  const change = plan.inventory.find((x) => x.service === c.service)?.record;
  return [
    ...new Set([
      ...(change?.units.map((u) => u.path) ?? []),
      ...plan.actions.flatMap((a) => a.kind === "write" && a.service === c.service ? [a.unit] : []),
    ]),
  ];
}

async function pickTarget(
  c: Candidate,
  input: GateInput,
  fs: Fs,
): Promise<HealthyRevision | undefined> {
  const dirs = input.healthy.flatMap((h) => h.service === c.service && h.dir ? [h.dir] : []);
  const present = new Set<string>();
  for (const d of dirs) if (await fs.exists(d).catch(() => false)) present.add(d);
  return rollbackTarget(c.service, c.hash, input.healthy, input.failed, (d) => present.has(d));
}

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

/**
 * Judges a deployed service by its checks ({@link healthChecks}: a compose project's restarted
 * compose services each by their own), in parallel, as one verdict ({@link combineVerdicts}).
 */
async function judgeDeploy(
  c: Candidate,
  service:
    | { readonly health?: HealthSettings; readonly compose?: readonly ComposeTarget[] }
    | undefined,
  deps: GateDeps,
): Promise<Judged> {
  const checks: HealthCheck[] = c.startError !== undefined
    ? [{ units: c.units, ...(service?.health ? { settings: service.health } : {}) }]
    : healthChecks(c.restarted ?? c.units, c.units, service?.health, service?.compose ?? []);
  return await judgeChecks(c, checks, "deploy", deps);
}

/** Runs `checks` of `c` in parallel and makes one verdict and record of them. */
async function judgeChecks(
  c: Candidate,
  checks: readonly HealthCheck[],
  phase: "deploy" | "rollback",
  deps: GateDeps,
): Promise<Judged> {
  const only = checks[0];
  if (checks.length === 1 && only !== undefined && only.composeService === undefined) {
    return await judgeService(
      { ...c, units: only.units },
      only.settings,
      phase,
      c.hash,
      c.revision,
      deps,
    );
  }
  const parts = await Promise.all(
    checks.map((k) =>
      judgeService({ ...c, units: k.units }, k.settings, phase, c.hash, c.revision, deps)
    ),
  );
  const verdict = combineVerdicts(
    parts.map((p, i) => ({ ...checks[i], verdict: p.verdict })),
  );
  const first = parts[0]?.check;
  const named = (i: number) => checks[i]?.composeService;
  return {
    verdict,
    check: {
      service: c.service,
      hash: c.hash,
      revision: c.revision,
      phase,
      probe: parts.map((p, i) => {
        const n = named(i);
        return n === undefined ? p.check.probe : `${n}=${p.check.probe}`;
      }).join(" "),
      verdict: verdict.state === "pending" ? "unknown" : verdict.state,
      reason: verdict.state === "pending" ? "no verdict" : verdict.reason,
      startedAt: first?.startedAt ?? deps.clock().toISOString(),
      finishedAt: parts.map((p) => p.check.finishedAt).sort().at(-1) ?? deps.clock().toISOString(),
      probes: parts.reduce((n, p) => n + p.check.probes, 0),
    },
  };
}

/** Looks at one service until {@link judge} gives a verdict (bounded by its window). */
async function judgeService(
  c: Candidate,
  configured: HealthSettings | undefined,
  phase: "deploy" | "rollback",
  hash: string,
  revision: string,
  deps: GateDeps,
): Promise<Judged> {
  const startedAt = deps.clock();
  const entry = c.units[0];
  const on = lookersOf(c, deps);
  const needsContainer = configured === undefined || ["auto", "command", "container"]
    .includes(configured.probe.kind);
  const container = needsContainer && entry !== undefined && c.startError === undefined
    ? await ("missing" in on ? undefined : on.probes.containerOf(entry).catch(() => undefined))
    : undefined;
  const settings = resolveProbe(
    configured,
    container?.healthcheck === true
      ? (container.startPeriodMs === undefined ? {} : { startPeriodMs: container.startPeriodMs })
      : undefined,
  );
  const looks: Observation[] = [];
  const done = (verdict: Verdict): Judged => ({
    verdict,
    check: {
      service: c.service,
      hash,
      revision,
      phase,
      probe: probeName(settings),
      verdict: verdict.state === "pending" ? "unknown" : verdict.state,
      reason: verdict.state === "pending" ? "no verdict" : verdict.reason,
      startedAt: startedAt.toISOString(),
      finishedAt: deps.clock().toISOString(),
      probes: looks.filter((l) => l.probe !== undefined).length,
    },
  });
  if (c.startError !== undefined) return done({ state: "unhealthy", reason: c.startError });
  if ("missing" in on) return done({ state: "unknown", reason: on.missing });
  // a hard bound besides the window: every look takes at least 100 ms
  const maxLooks = Math.ceil(settings.windowMs / 100) + 2;
  for (let n = 0; n < maxLooks; n++) {
    // the look's time is when systemd was asked (never later: "up long enough" stays true)
    const at = deps.clock().getTime();
    let facts: Map<string, UnitFacts>;
    try {
      facts = await on.facts.facts(c.units);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return done({ state: "unknown", reason: `cannot read systemd's facts: ${why}` });
    }
    const probe = await runProbe(settings, container?.name, on.probes);
    looks.push({
      at,
      units: c.units.map((u) => facts.get(u) ?? { unit: u, active: "inactive", sub: "dead" }),
      ...(probe === undefined ? {} : { probe }),
    });
    const verdict = judge(settings, startedAt.getTime(), looks);
    if (verdict.state !== "pending") return done(verdict);
    await deps.sleep(Math.max(100, verdict.waitMs));
  }
  return done({ state: "unhealthy", reason: "no verdict within window" });
}

/** One probe, or undefined for the kinds judged by systemd's facts alone. */
function runProbe(
  s: HealthSettings,
  container: string | undefined,
  probes: HealthProbes,
): Promise<ProbeResult | undefined> | undefined {
  const p = s.probe;
  switch (p.kind) {
    case "http":
      return probes.http(p.url, p.status, p.body, s.timeoutMs);
    case "tcp":
      return probes.tcp(p.host, p.port, s.timeoutMs);
    case "command":
      return container === undefined
        ? Promise.resolve({ ok: false, reason: "no running container to run the command in" })
        : probes.command(container, p.argv, s.timeoutMs);
    case "container":
      return container === undefined
        ? Promise.resolve({ ok: false, reason: "no running container to check" })
        : probes.container(container, s.timeoutMs);
    default:
      return undefined;
  }
}
