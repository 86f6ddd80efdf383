/**
 * Health checks per compose service: which checks judge a compose project after an apply, and
 * how their verdicts make the project's. Pure: the gate (lib/apply/health_gate.ts) runs them.
 *
 * @module
 */
import type { HealthSettings } from "../desired/health_settings.ts";
import type { ReadyService } from "../desired/types.ts";
import type { Verdict } from "./types.ts";

/** One compose service of a project: its container's generated unit and its own settings. */
export interface ComposeTarget {
  /** The compose service name (`web`). */
  readonly service: string;
  /** Its `.container`'s generated unit (`gitops-blog-web.service`). */
  readonly unit: string;
  /** `health.compose.<service>` (config.yml or the agent config), else its `x-hoist: { health }`. */
  readonly health?: HealthSettings;
}

/** One check the gate runs for a hoist service. */
export interface HealthCheck {
  /** The compose service it judges; absent: the hoist service as a whole. */
  readonly composeService?: string;
  /** The units judged by systemd's facts; a probe that needs a container uses the first's. */
  readonly units: readonly string[];
  /** Absent: the default (the container's HEALTHCHECK, else settle). */
  readonly settings?: HealthSettings;
}

/**
 * The compose services of a ready service, each with the settings it is judged by:
 * `health.compose.<name>` wins over the compose file's `x-hoist: { health }`. Empty for a
 * service that is no compose project.
 *
 * @example
 * ```ts
 * composeTargets(blog); // [{ service: "web", unit: "gitops-blog-web.service", health: … }]
 * ```
 */
export function composeTargets(s: ReadyService): ComposeTarget[] {
  const out = new Map<string, ComposeTarget>();
  for (const u of s.units) {
    const name = u.group?.service;
    if (u.type !== "container" || name === undefined || out.has(name)) continue;
    const health = s.health?.compose?.[name] ?? s.composeHealth?.[name];
    out.set(name, { service: name, unit: u.serviceUnit, ...(health ? { health } : {}) });
  }
  return [...out.values()].sort((a, b) => a.service < b.service ? -1 : 1);
}

/**
 * The checks for a service the apply (re)started, `restarted` being the units it restarted:
 * - no compose services: one check of all `units` with the service's settings (as before);
 * - the service's own probe or timings (`health` without `compose:`, or a probe beside it) judge
 *   the project as a whole, as one check of all `units`;
 * - each restarted compose service with its own settings is judged by them, in its container;
 * - each other restarted compose service, when the project has no settings of its own, by its
 *   own default (its `healthcheck:`, else settle).
 * A compose service not restarted by this apply is not judged again.
 *
 * @example
 * ```ts
 * healthChecks(["gitops-blog-web.service"], units, undefined, targets);
 * // [{ composeService: "web", units: ["gitops-blog-web.service"], settings: … }]
 * ```
 */
export function healthChecks(
  restarted: readonly string[],
  units: readonly string[],
  health: HealthSettings | undefined,
  compose: readonly ComposeTarget[],
): HealthCheck[] {
  const whole = (): HealthCheck => ({
    units,
    ...(health === undefined ? {} : { settings: withoutCompose(health) }),
  });
  if (compose.length === 0) return [whole()];
  const projectWide = health !== undefined &&
    (health.compose === undefined || health.probe.kind !== "auto");
  const checks: HealthCheck[] = projectWide ? [whole()] : [];
  for (const t of compose) {
    if (!restarted.includes(t.unit)) continue;
    if (t.health !== undefined) {
      checks.push({ composeService: t.service, units: [t.unit], settings: t.health });
    } else if (!projectWide) checks.push({ composeService: t.service, units: [t.unit] });
  }
  return checks.length > 0 ? checks : [whole()];
}

function withoutCompose(h: HealthSettings): HealthSettings {
  if (h.compose === undefined) return h;
  const { compose: _, ...rest } = h;
  return rest;
}

/**
 * The service's verdict from its checks' (none pending): unhealthy when any is, each reason
 * naming its compose service (`web: http 503 after 3 tries`, at most three and how many more);
 * else unknown when any is; else healthy.
 *
 * @example
 * ```ts
 * combineVerdicts([
 *   { composeService: "db", verdict: { state: "healthy", reason: "up 10s without a restart" } },
 *   { composeService: "web", verdict: { state: "unhealthy", reason: "http 503 after 3 tries" } },
 * ]); // { state: "unhealthy", reason: "web: http 503 after 3 tries" }
 * ```
 */
export function combineVerdicts(
  parts: readonly { readonly composeService?: string; readonly verdict: Verdict }[],
): Verdict {
  const said = (p: (typeof parts)[number], reason: string) =>
    p.composeService === undefined ? reason : `${p.composeService}: ${reason}`;
  const of = (state: string) =>
    parts.flatMap((p) =>
      p.verdict.state === state && "reason" in p.verdict ? [said(p, p.verdict.reason)] : []
    );
  const pending = parts.filter((p) => p.verdict.state === "pending").map((p) =>
    said(p, "no verdict")
  );
  const bad = of("unhealthy");
  if (bad.length > 0) return { state: "unhealthy", reason: listed(bad) };
  const unknown = [...of("unknown"), ...pending];
  if (unknown.length > 0) return { state: "unknown", reason: listed(unknown) };
  if (parts.length === 0) return { state: "unknown", reason: "nothing to judge" };
  return { state: "healthy", reason: listed(of("healthy")) };
}

/** The most reasons one verdict carries (each probe's is bounded already). */
const MAX_REASONS = 3;

/** Reasons joined, at most {@link MAX_REASONS} of them and how many more. */
function listed(reasons: readonly string[]): string {
  if (reasons.length <= MAX_REASONS) return reasons.join("; ");
  return [...reasons.slice(0, MAX_REASONS), `${reasons.length - MAX_REASONS} more`].join("; ");
}
