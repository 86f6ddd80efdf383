/**
 * podman adapter: one `podman ps -a --format json` per run; when a run will write units, also
 * every container, pod, network and volume by name (`listObjects`), for the clash check.
 *
 * @module
 */
import type { ExistingObject, ObjectKey, ObservedContainer } from "../types/observed.ts";
import { checked, type Runner } from "./run_command.ts";

/** What hoist asks of podman. */
export interface Podman {
  /** Containers carrying the gitops-service label (all others are ignored). */
  listContainers(): Promise<ObservedContainer[]>;
  /**
   * Every container (labelled or not), pod, network and volume podman has, by
   * `container:<name>`, `pod:<name>`, `network:<name>`, `volume:<name>`: four listings run at once.
   */
  listObjects(): Promise<Map<ObjectKey, ExistingObject>>;
}

/** Argv of each object listing, by kind (all JSON: names may hold no newline, but be safe). */
export const OBJECT_LIST_ARGS: Readonly<Record<ExistingObject["kind"], readonly string[]>> = {
  container: ["ps", "-a", "--format", "json"],
  pod: ["pod", "ps", "--format", "json"],
  network: ["network", "ls", "--format", "json"],
  volume: ["volume", "ls", "--format", "json"],
};

/**
 * Parses one of the {@link OBJECT_LIST_ARGS} listings (podman 4 and 5: `Names` for containers,
 * `Name` for pods and volumes, `name`/`labels` for networks) into objects of `kind`.
 *
 * @example
 * ```ts
 * parseObjectList("network", '[{"name":"shared","labels":{}}]');
 * // [{kind:"network", name:"shared", service:"", unit:""}]
 * ```
 */
export function parseObjectList(kind: ExistingObject["kind"], json: string): ExistingObject[] {
  const text = json.trim();
  if (text === "" || text === "null") return [];
  const rows = JSON.parse(text) as Array<Record<string, unknown>>;
  return rows.flatMap((row) => {
    const names = row.Names ?? row.Name ?? row.name;
    const all = (Array.isArray(names) ? names : [names]).filter((n) => typeof n === "string");
    const labels = (row.Labels ?? row.labels ?? {}) as Record<string, unknown>;
    const label = (k: string) => (typeof labels[k] === "string" ? String(labels[k]) : "");
    return all.map((name): ExistingObject => ({
      kind,
      name,
      service: label("gitops-service"),
      unit: label("PODMAN_SYSTEMD_UNIT"),
    }));
  });
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
      ...(labels["gitops-unit-hash"] ? { unitHash: labels["gitops-unit-hash"] } : {}),
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
    async listObjects() {
      const kinds = Object.keys(OBJECT_LIST_ARGS) as Array<ExistingObject["kind"]>;
      const lists = await Promise.all(kinds.map(async (kind) => {
        const r = await checked(run, { cmd: bin, args: [...OBJECT_LIST_ARGS[kind]] });
        return parseObjectList(kind, new TextDecoder().decode(r.stdout));
      }));
      return new Map(lists.flat().map((o) => [`${o.kind}:${o.name}` as ObjectKey, o]));
    },
  };
}
