/**
 * Runs one probe of a service's health settings (http, tcp, a command in its container, the
 * image's HEALTHCHECK); the kinds judged by systemd's facts alone run none.
 *
 * @module
 */
import type { HealthProbes } from "../adapters/health_probe.ts";
import type { HealthSettings } from "../desired/health_settings.ts";
import type { ProbeResult } from "../health/types.ts";

/** One probe, or undefined for the kinds judged by systemd's facts alone. */
export function runProbe(
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
