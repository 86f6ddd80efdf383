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
  return observed.containers.filter((c) =>
    c.unit !== "" ? units.has(c.unit) : c.service === svc.name
  );
}

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
