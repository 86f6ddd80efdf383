/**
 * The default probe. Pure.
 *
 * @module
 */
import { DEFAULT_HEALTH, type HealthSettings } from "../desired/health_settings.ts";

/**
 * The settings the gate judges by: the service's own, or the defaults; `auto` becomes the
 * image's HEALTHCHECK (`container`) when the container has one, with that check's own start
 * period (the window grows to a minute past it), else `settle`.
 *
 * @example
 * ```ts
 * resolveProbe(undefined, undefined).probe; // { kind: "settle" }
 * resolveProbe(undefined, { startPeriodMs: 30_000 }).startPeriodMs; // 30000
 * ```
 */
export function resolveProbe(
  settings: HealthSettings | undefined,
  healthcheck: { readonly startPeriodMs?: number } | undefined,
): HealthSettings {
  const s = settings ?? DEFAULT_HEALTH;
  if (s.probe.kind !== "auto") return s;
  if (healthcheck === undefined) return { ...s, probe: { kind: "settle" } };
  const startPeriodMs = Math.max(s.startPeriodMs, healthcheck.startPeriodMs ?? 0);
  return {
    ...s,
    probe: { kind: "container" },
    startPeriodMs,
    windowMs: Math.max(s.windowMs, startPeriodMs + 60_000),
  };
}
