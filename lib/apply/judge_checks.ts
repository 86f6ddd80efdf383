/**
 * Judges a (re)started service: looks at its units and runs its probe until {@link judge} gives a
 * verdict, bounded by its window; a compose project's restarted compose services each by their
 * own checks, in parallel, as one verdict. Used by the gate and by its rollback.
 *
 * @module
 */
import type { HealthSettings } from "../desired/health_settings.ts";
import { type Candidate, probeName } from "../health/gate_plan.ts";
import {
  combineVerdicts,
  type ComposeTarget,
  type HealthCheck,
  healthChecks,
} from "../health/compose_checks.ts";
import { resolveProbe } from "../health/resolve_probe.ts";
import type { Observation, UnitFacts, Verdict } from "../health/types.ts";
import { judge } from "../health/verdict.ts";
import type { HealthCheckRecord } from "../state/health_records.ts";
import { type GateDeps, lookersOf } from "./gate_deps.ts";
import { runProbe } from "./run_probe.ts";

/** A verdict and the health check record that tells it. */
export interface Judged {
  readonly verdict: Verdict;
  readonly check: HealthCheckRecord;
}

/**
 * Judges a deployed service by its checks ({@link healthChecks}: a compose project's restarted
 * compose services each by their own), in parallel, as one verdict ({@link combineVerdicts}).
 */
export async function judgeDeploy(
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
export async function judgeChecks(
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
