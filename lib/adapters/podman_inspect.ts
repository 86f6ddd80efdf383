/**
 * The containers of one service as `hoist remote … ps` shows them: one read-only
 * `podman ps -a --format json --filter label=gitops-service=<service>`. Parsed from what podman
 * 5.4 prints (tests/remote/fixtures/podman_ps_5.4.json, captured in the e2e harness): `Names`,
 * `Image`, `State`, `Status` (`Up 4 seconds (healthy)`: the health is the last parenthesis),
 * `StartedAt` (unix seconds; 0 or negative when never started) and `Ports` (`host_ip`,
 * `container_port`, `host_port`, `range`, `protocol`).
 *
 * @module
 */
import { checked, type Runner } from "./run_command.ts";

/** One container of a service. */
export interface ServiceContainer {
  readonly name: string;
  readonly image: string;
  /** podman's state: running, exited, created, … */
  readonly state: string;
  /** healthy, unhealthy, starting, or "" when the container has no health check. */
  readonly health: string;
  /** ISO time it started; "" when it never did. */
  readonly started: string;
  /** `127.0.0.1:8080->80/tcp`, one per published range. */
  readonly ports: readonly string[];
}

/** Reads a service's containers. */
export interface PodmanInspect {
  /**
   * The containers labelled as `service`'s; with `units`, only those run by one of them (their
   * `PODMAN_SYSTEMD_UNIT` label), so a service of the same name deployed by another hoist (another
   * unit prefix, another repository) on the same podman is left out.
   */
  containers(service: string, units?: readonly string[]): Promise<ServiceContainer[]>;
}

/** Argv of the listing for `service`. */
export function psArgs(service: string): string[] {
  return ["ps", "-a", "--format", "json", "--filter", `label=gitops-service=${service}`];
}

/** `podman ps --format json`'s `Ports` → `host:port->port/proto` strings. */
function ports(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((p: Record<string, unknown>) => {
    const range = Number(p.range ?? 1);
    const span = (n: unknown) => (range > 1 ? `${n}-${Number(n) + range - 1}` : String(n));
    const host = String(p.host_ip ?? "") === "" ? "0.0.0.0" : String(p.host_ip);
    return `${host}:${span(p.host_port)}->${span(p.container_port)}/${p.protocol ?? "tcp"}`;
  });
}

/**
 * Parses the listing, keeping only containers whose `gitops-service` label is `service` (and,
 * with `units`, whose `PODMAN_SYSTEMD_UNIT` label is one of them), sorted by name.
 */
export function parseServicePs(
  json: string,
  service: string,
  units?: readonly string[],
): ServiceContainer[] {
  const text = json.trim();
  if (text === "" || text === "null") return [];
  const rows = JSON.parse(text) as Array<Record<string, unknown>>;
  const out: ServiceContainer[] = [];
  for (const row of rows) {
    const labels = (row.Labels ?? {}) as Record<string, string>;
    if (labels["gitops-service"] !== service) continue;
    if (units !== undefined && !units.includes(labels["PODMAN_SYSTEMD_UNIT"] ?? "")) continue;
    const names = row.Names;
    const startedAt = Number(row.StartedAt ?? 0);
    const health = /\((healthy|unhealthy|starting)\)\s*$/.exec(String(row.Status ?? ""))?.[1];
    out.push({
      name: Array.isArray(names) ? String(names[0] ?? "") : String(names ?? ""),
      image: String(row.Image ?? ""),
      state: String(row.State ?? "unknown"),
      health: health ?? "",
      started: startedAt > 0 ? new Date(startedAt * 1000).toISOString() : "",
      ports: ports(row.Ports),
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Creates the adapter. */
export function createPodmanInspect(run: Runner, bin = "podman"): PodmanInspect {
  return {
    async containers(service, units) {
      const r = await checked(run, { cmd: bin, args: psArgs(service), timeoutMs: 30_000 });
      return parseServicePs(new TextDecoder().decode(r.stdout), service, units);
    },
  };
}
