/**
 * Which other units a unit file names: the basis of start/stop ordering between services.
 *
 * @module
 */
import { baseName } from "./base_name.ts";
import { unitEntries } from "./unit_text.ts";

/** A unit file and the service it belongs to. */
export interface OwnedUnit {
  /** Path relative to quadlet_dir. */
  readonly path: string;
  readonly serviceUnit: string;
}

/**
 * Unit file name and generated service name → owning service, for resolving references. Later
 * entries win.
 */
export function unitOwners(
  services: Iterable<readonly [string, readonly OwnedUnit[]]>,
  into: Map<string, string> = new Map(),
): Map<string, string> {
  for (const [service, units] of services) {
    for (const u of units) {
      into.set(u.serviceUnit, service);
      into.set(baseName(u.path), service);
    }
  }
  return into;
}

const UNIT_KEYS = new Set([
  "Requires",
  "Wants",
  "After",
  "BindsTo",
  "Requisite",
  "Upholds",
  "PartOf",
]);
const REF_KEYS = new Set(["Network", "Volume", "Pod", "Image"]);

/**
 * Names a unit refers to: systemd units in `[Unit]` Requires/Wants/After/BindsTo/…, and quadlet
 * files in Network=/Volume=/Pod=/Image= (the part before the first `:`, so in
 * `x.network:alias=web,ip=10.0.0.2` only `x.network` names a unit) and Mount= (its
 * `source=`/`src=`).
 *
 * @example
 * ```ts
 * unitReferences("[Unit]\nRequires=gitops-b.service\n[Container]\nNetwork=n.network\n");
 * // ["gitops-b.service", "n.network"]
 * ```
 */
export function unitReferences(content: string): string[] {
  const refs: string[] = [];
  for (const e of unitEntries(content)) {
    if (e.section === "Unit" && UNIT_KEYS.has(e.key)) refs.push(...e.value.split(/\s+/));
    else if (REF_KEYS.has(e.key)) refs.push(e.value.trim().split(":")[0] ?? "");
    else if (e.key === "Mount") refs.push(...mountSources(e.value));
  }
  return refs.filter((r) => r !== "");
}

/** The `source=`/`src=` values of a `Mount=` (`type=volume,source=data.volume,dst=/d`). */
function mountSources(value: string): string[] {
  return value.split(",").flatMap((pair) => {
    const eq = pair.indexOf("=");
    const key = pair.slice(0, eq).trim();
    return eq > 0 && (key === "source" || key === "src") ? [pair.slice(eq + 1).trim()] : [];
  });
}

/**
 * Services each service depends on, given its unit contents and who owns which unit name
 * (file base name or generated service). Self-references are dropped; results are sorted.
 */
export function serviceDependencies(
  units: ReadonlyMap<string, readonly string[]>,
  owner: ReadonlyMap<string, string>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [service, contents] of [...units].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const deps = new Set<string>();
    for (const content of contents) {
      for (const r of unitReferences(content)) {
        const o = owner.get(r);
        if (o !== undefined && o !== service) deps.add(o);
      }
    }
    out.set(service, [...deps].sort());
  }
  return out;
}
