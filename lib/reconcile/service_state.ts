/**
 * How a service stands on the host, read from one snapshot: its containers, its units, up or not.
 * Pure.
 *
 * @module
 */
import type { DesiredUnit, ReadyService } from "../desired/types.ts";
import type { ObservedContainer, ObservedState } from "../types/observed.ts";

/** Unit states in which a service counts as up. */
export const UP: ReadonlySet<string> = new Set(["active", "activating", "reloading"]);

/**
 * The containers that run `svc`: those started by one of its generated units (podman's own
 * PODMAN_SYSTEMD_UNIT label), so a label set by hand cannot make a container pass for another
 * service. Containers without that label fall back to hoist's gitops-service label.
 */
export function containersOf(svc: ReadyService, observed: ObservedState): ObservedContainer[] {
  const units = new Set(svc.units.map((u) => u.serviceUnit));
  const index = containerIndex(observed.containers);
  const mine = [
    ...[...units].flatMap((u) => index.byUnit.get(u) ?? []),
    ...index.byService.get(svc.name) ?? [],
  ];
  // in podman's order, as a filter of the whole list gives them
  return mine.sort((a, b) => index.order.get(a)! - index.order.get(b)!);
}

/** Containers by their unit, those without one by their service, and each one's position. */
interface ContainerIndex {
  readonly byUnit: ReadonlyMap<string, readonly ObservedContainer[]>;
  readonly byService: ReadonlyMap<string, readonly ObservedContainer[]>;
  readonly order: ReadonlyMap<ObservedContainer, number>;
}

/**
 * The index of a container list, made once per list: every service of a run looks its own
 * containers up (a filter of the whole list per service was quadratic in the number of services).
 */
function containerIndex(containers: readonly ObservedContainer[]): ContainerIndex {
  let index = indexes.get(containers);
  if (index === undefined) {
    const byUnit = new Map<string, ObservedContainer[]>();
    const byService = new Map<string, ObservedContainer[]>();
    containers.forEach((c) => {
      const [map, key] = c.unit !== "" ? [byUnit, c.unit] : [byService, c.service];
      const list = map.get(key);
      if (list === undefined) map.set(key, [c]);
      else list.push(c);
    });
    index = { byUnit, byService, order: new Map(containers.map((c, i) => [c, i])) };
    indexes.set(containers, index);
  }
  return index;
}

const indexes = new WeakMap<readonly ObservedContainer[], ContainerIndex>();

/**
 * True when `hash` is what `svc` should run: its hash, or the same configuration under hash
 * scheme 1 (a container or inventory entry from a hoist before the canonical hash).
 */
export function isCurrentHash(svc: ReadyService, hash: string): boolean {
  return hash === svc.hash || hash === svc.legacyHash;
}

/** True when `unit` runs (or failed, so a stop still means something), or states are unknown. */
export function isUp(observed: ObservedState, unit: string): boolean {
  const state = observed.units.get(unit);
  return !observed.runtime ||
    (state !== undefined && (UP.has(state.active) || state.active === "failed"));
}

/**
 * The generated units hoist starts directly (`entry`: containers outside a pod, pods, kube), or
 * those plus the units that only start as dependencies (networks, volumes…; `all`), entries first.
 */
export function serviceUnitsOf(svc: ReadyService, which: "entry" | "all"): string[] {
  const entries = svc.units.filter((u) => u.entry).map((u) => u.serviceUnit);
  if (which === "entry") return entries;
  const inPod = (u: DesiredUnit) => u.type === "container" && !u.entry;
  return [...entries, ...svc.units.filter((u) => !u.entry && !inPod(u)).map((u) => u.serviceUnit)];
}
