/**
 * What systemd does on its own when hoist restarts or stops a unit: units that `Requires=`,
 * `BindsTo=` or are `PartOf=` it (directly, or through quadlet's `Network=`/`Volume=`/`Pod=`/
 * `Image=` references, which the generator turns into `Requires=`/`BindsTo=`) are restarted or
 * stopped with it, and so on down the chain. Only units in hoist's own files are known. Pure.
 *
 * @module
 */
import { baseName } from "../desired/base_name.ts";
import { unitEntries } from "../desired/unit_text.ts";
import type { ObservedState } from "../types/observed.ts";
import { UP } from "./service_state.ts";
import type { Action, Consequence, UnitAction } from "./types.ts";

/** A unit file hoist knows (desired or in the inventory): what it generates and for whom. */
export interface KnownUnit {
  /** Path relative to quadlet_dir. */
  readonly path: string;
  readonly service: string;
  readonly serviceUnit: string;
  readonly content: string;
}

/** One edge: `unit` is restarted/stopped with `target` because of `via` (`Requires`…). */
export interface UnitEdge {
  readonly unit: string;
  readonly target: string;
  readonly via: "Requires" | "BindsTo" | "PartOf";
  /** The quadlet key the edge comes from, when the generator adds it (`Network`). */
  readonly from?: string;
}

const UNIT_KEYS = new Set(["Requires", "BindsTo", "PartOf"] as const);
/** quadlet keys naming another quadlet file, and the dependency the generator adds for them. */
const QUADLET_REFS: Readonly<Record<string, "Requires" | "BindsTo">> = {
  Network: "Requires",
  Volume: "Requires",
  Mount: "Requires",
  Image: "Requires",
  Pod: "BindsTo",
};

/** The dependency edges of every known unit, resolving quadlet file names to their services. */
export function unitEdges(units: readonly KnownUnit[]): UnitEdge[] {
  const byFile = new Map(units.map((u) => [baseName(u.path), u.serviceUnit]));
  const edges: UnitEdge[] = [];
  for (const u of units) {
    for (const e of unitEntries(u.content)) {
      if (e.section === "Unit" && UNIT_KEYS.has(e.key as "Requires")) {
        for (const target of e.value.split(/\s+/).filter((t) => t !== "")) {
          edges.push({ unit: u.serviceUnit, target, via: e.key as UnitEdge["via"] });
        }
        continue;
      }
      const via = e.section !== "Unit" && e.section !== "Install" && e.section !== "Service"
        ? QUADLET_REFS[e.key]
        : undefined;
      if (via === undefined) continue;
      for (const word of e.value.split(/[:,=\s]/)) {
        const target = byFile.get(word);
        if (target !== undefined && target !== u.serviceUnit) {
          edges.push({ unit: u.serviceUnit, target, via, from: e.key });
        }
      }
    }
  }
  return edges;
}

/**
 * Every unit systemd will restart or stop because of the plan's restarts and stops, with the
 * unit that drags it along, in plan order. Units the plan restarts or stops itself are not
 * repeated; a unit that is not up is not restarted (systemd only restarts active dependents).
 *
 * @example
 * ```ts
 * systemdConsequences(plan.actions, known, observed);
 * // [{kind: "restart", unit: "gitops-web.service", service: "web", cause: "gitops-api.service",
 * //   via: "Requires", code: "restarted-by-systemd",
 * //   reason: "restarted by systemd with gitops-api.service (Requires=)"}]
 * ```
 */
export function systemdConsequences(
  actions: readonly Action[],
  known: readonly KnownUnit[],
  observed: ObservedState,
): Consequence[] {
  const acted = actions.filter((a): a is UnitAction => a.kind === "restart" || a.kind === "stop");
  // nothing restarted or stopped drags nothing along: no unit text to read (a no-op)
  if (acted.length === 0) return [];
  const owner = new Map(known.map((u) => [u.serviceUnit, u.service]));
  const dependents = Map.groupBy(unitEdges(known), (e) => e.target);
  const explicit = new Set(acted.flatMap((a) => a.units));
  const up = (unit: string) =>
    !observed.runtime || UP.has(observed.units.get(unit)?.active ?? "inactive");
  const seen = new Set<string>();
  const out: Consequence[] = [];
  for (const a of acted) {
    const kind = a.kind === "stop" ? "stop" : "restart";
    const queue = [...a.units];
    for (let cause = queue.shift(); cause !== undefined; cause = queue.shift()) {
      for (const e of dependents.get(cause) ?? []) {
        if (explicit.has(e.unit) || seen.has(e.unit) || !up(e.unit)) continue;
        seen.add(e.unit);
        queue.push(e.unit);
        const how = e.from === undefined ? `${e.via}=` : `${e.via}= from ${e.from}=`;
        out.push({
          kind,
          unit: e.unit,
          service: owner.get(e.unit) ?? "",
          cause,
          via: e.via,
          code: kind === "stop" ? "stopped-by-systemd" : "restarted-by-systemd",
          reason: `${kind === "stop" ? "stopped" : "restarted"} by systemd with ${cause} (${how})`,
        });
      }
    }
  }
  return out;
}
