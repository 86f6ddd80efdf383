/**
 * podman adapter: one `podman ps -a --format json` per run.
 *
 * @module
 */
import type { ObservedContainer } from "../types/observed.ts";
import { checked, type Runner } from "./run_command.ts";

/** What hoist asks of podman. */
export interface Podman {
  /** Containers carrying the gitops-service label (all others are ignored). */
  listContainers(): Promise<ObservedContainer[]>;
}

/** Argv of the one listing call. */
export const PS_ARGS = ["ps", "-a", "--format", "json", "--filter", "label=gitops-service"];

/** Parses `podman ps -a --format json` output (podman 4 and 5), keeping labelled containers. */
export function parsePodmanPs(json: string): ObservedContainer[] {
  const text = json.trim();
  if (text === "" || text === "null") return [];
  const rows = JSON.parse(text) as Array<Record<string, unknown>>;
  const out: ObservedContainer[] = [];
  for (const row of rows) {
    const labels = (row.Labels ?? {}) as Record<string, string>;
    const service = labels["gitops-service"];
    if (service === undefined) continue;
    const names = row.Names;
    out.push({
      id: String(row.Id ?? ""),
      name: Array.isArray(names) ? String(names[0] ?? "") : String(names ?? ""),
      state: String(row.State ?? "unknown"),
      service,
      hash: labels["gitops-hash"] ?? "",
      unit: labels["PODMAN_SYSTEMD_UNIT"] ?? "",
      startedAt: Number(row.StartedAt ?? 0),
    });
  }
  return out.sort((
    a,
    b,
  ) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.id < b.id ? -1 : 1));
}

/** Creates the podman adapter. */
export function createPodman(run: Runner, bin = "podman"): Podman {
  return {
    async listContainers() {
      const result = await checked(run, { cmd: bin, args: PS_ARGS });
      return parsePodmanPs(new TextDecoder().decode(result.stdout));
    },
  };
}
