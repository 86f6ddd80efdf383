/**
 * The actions of one desired service: write what changed, stop and remove what left it, copy its
 * files, (re)start it, prune old copies, and what the inventory records once that worked. Pure.
 *
 * @module
 */
import { canonicalUnit } from "../desired/digest.ts";
import type { ReadyService } from "../desired/types.ts";
import type { Problem } from "../errors.ts";
import type { InventoryService, InventoryUnit, ObservedState } from "../types/observed.ts";
import { recreateWarning } from "./dependency_graph.ts";
import { containersOf, isCurrentHash, isUp, serviceUnitsOf } from "./service_state.ts";
import { ownHashWrite, runsCurrent } from "./own_hashes.ts";
import { crashLoopWarnings, heldRestart, startAction } from "./start_action.ts";
import { pullAction } from "./pull_action.ts";
import type {
  InventoryChange,
  PruneAction,
  PullAction,
  ReasonCode,
  RemoveAction,
  ServiceCopyAction,
  UnitAction,
  WriteAction,
} from "./types.ts";

/** The actions of one service, by phase; reconcile() puts the phases of all services in order. */
export interface ServicePlan {
  readonly problems: readonly Problem[];
  /** Its images, pulled before anything of it stops (a (re)start for a new hash only). */
  readonly pull: PullAction | undefined;
  readonly stops: readonly UnitAction[];
  readonly removes: readonly RemoveAction[];
  readonly copies: readonly ServiceCopyAction[];
  readonly writes: readonly WriteAction[];
  readonly start: UnitAction | undefined;
  readonly prunes: readonly PruneAction[];
  readonly inventory: InventoryChange | undefined;
}

/** What planning a service needs besides the service itself. */
export interface ServicePlanContext {
  readonly observed: ObservedState;
  /** Inventory unit files by service, each service's sorted by path. */
  readonly invUnitsOf: ReadonlyMap<string, readonly InventoryUnit[]>;
  /** Quadlet paths of every desired unit (of all services). */
  readonly desiredPaths: ReadonlySet<string>;
  readonly keepCopies: number;
}

/** Plans one service that may be deployed (ownership already checked). */
export function planService(svc: ReadyService, ctx: ServicePlanContext): ServicePlan {
  const { observed } = ctx;
  const prev = observed.inventory.services.get(svc.name);
  const writes = writeActions(svc, prev, observed);
  const problems = [
    ...writes.filter((w) => RESTARTING_WRITES.has(w.code)).flatMap((w) => {
      const u = svc.units.find((x) => x.path === w.unit);
      return u !== undefined && (u.type === "network" || u.type === "volume")
        ? [recreateWarning(u, svc.name)]
        : [];
    }),
    ...crashLoopWarnings(svc, prev, observed),
    ...heldRestart(svc, observed, prev),
  ];
  const copies: ServiceCopyAction[] = svc.files.length > 0 && !observed.copies.has(svc.dir)
    ? [{
      kind: "copy",
      scope: "service",
      service: svc.name,
      dir: svc.dir,
      files: svc.files,
      code: "service-files",
      reason: `files for ${svc.hash}`,
    }]
    : [];
  const gone = (ctx.invUnitsOf.get(svc.name) ?? []).filter((u) => !ctx.desiredPaths.has(u.path));
  // a compose service's own unit changing restarts that service alone (startAction), not all
  const configChanged = writes.some((w) =>
    RESTARTING_WRITES.has(w.code) &&
    (w.code === "file-differs" || svc.units.find((u) => u.path === w.unit)?.group === undefined)
  );
  const start = startAction(svc, prev, observed, configChanged);
  return {
    problems,
    pull: pullAction(svc, start),
    stops: staleStops(svc, prev, gone, observed),
    removes: gone.map((u) => ({
      kind: "remove",
      service: svc.name,
      unit: u.path,
      previous: observed.files.get(u.path) ?? null,
      code: "unit-removed",
      reason: "unit removed from the service folder",
    })),
    copies,
    writes,
    start,
    prunes: writes.length > 0 || start?.kind === "restart" ? pruneCopies(svc, ctx) : [],
    inventory: inventoryChange(svc, prev, observed, writes.length > 0 || gone.length > 0),
  };
}

/** Writes after which what runs is not what the repository says (unless the service restarts). */
const RESTARTING_WRITES: ReadonlySet<ReasonCode> = new Set(["content-changed", "file-differs"]);

function writeActions(
  svc: ReadyService,
  prev: InventoryService | undefined,
  observed: ObservedState,
): WriteAction[] {
  return svc.units.filter((u) => observed.files.get(u.path) !== u.content).map((u) => {
    const previous = observed.files.get(u.path) ?? null;
    const { code, reason } = ownHashWrite(svc, u, previous) ??
      writeReason(svc, prev, previous, u.content);
    return {
      kind: "write",
      service: svc.name,
      unit: u.path,
      content: u.content,
      previous,
      serviceUnit: u.serviceUnit,
      ...(svc.secretNames ? { sensitive: svc.secretNames } : {}),
      code,
      reason,
    };
  });
}

/**
 * Why a unit file is written, and so whether the service restarts for it: a file with the same
 * effective configuration (only laid out otherwise, or labelled with the hash of the older scheme)
 * or missing while the service runs the current hash restarts nothing.
 */
function writeReason(
  svc: ReadyService,
  prev: InventoryService | undefined,
  previous: string | null,
  content: string,
): { code: ReasonCode; reason: string } {
  const current = prev !== undefined && isCurrentHash(svc, prev.hash);
  if (previous === null) {
    return current
      ? { code: "file-missing", reason: "file missing on disk, written again (nothing restarts)" }
      : { code: "new-unit", reason: "new unit" };
  }
  const relabelled = previous.replaceAll(svc.legacyHash, svc.hash);
  if (canonicalUnit(relabelled) === canonicalUnit(content)) {
    return {
      code: "same-config",
      reason: relabelled !== previous
        ? "labelled with the new hash scheme, same configuration (nothing restarts)"
        : "same configuration, laid out as in the repository (nothing restarts)",
    };
  }
  return current
    ? { code: "file-differs", reason: "file on disk differs" }
    : { code: "content-changed", reason: "content changed" };
}

/** Units this service ran before but no longer generates: a dropped file, or a new ServiceName=. */
function staleStops(
  svc: ReadyService,
  prev: InventoryService | undefined,
  gone: readonly InventoryUnit[],
  observed: ObservedState,
): UnitAction[] {
  const current = new Set(svc.units.map((u) => u.serviceUnit));
  const stale = [...new Set([...(prev?.serviceUnits ?? []), ...gone.map((u) => u.serviceUnit)])]
    .filter((u) => !current.has(u) && isUp(observed, u));
  if (stale.length === 0) return [];
  return [{
    kind: "stop",
    service: svc.name,
    units: stale,
    ...(gone.length > 0
      ? { code: "unit-removed", reason: "unit removed from the service folder" }
      : { code: "unit-renamed", reason: "generated unit renamed" }),
  }];
}

function inventoryChange(
  svc: ReadyService,
  prev: InventoryService | undefined,
  observed: ObservedState,
  filesChanged: boolean,
): InventoryChange | undefined {
  const serviceUnits = serviceUnitsOf(svc, "all");
  const owned = svc.units.every((u) => observed.inventory.units.get(u.path)?.service === svc.name);
  const recorded = prev !== undefined && prev.hash === svc.hash &&
    sameList(prev.serviceUnits, serviceUnits) && owned;
  if (recorded && !filesChanged) return undefined;
  const units = svc.units.map((u) => ({ path: u.path, serviceUnit: u.serviceUnit }));
  return {
    service: svc.name,
    record: { hash: svc.hash, inputs: svc.inputs, serviceUnits, units },
  };
}

/**
 * Copies beyond `keepCopies`, but never one a running container that stays running still
 * mounts: the copy named after the hash it was started with (a service left on its scheme-1
 * hash, not restarted for the new scheme; a compose service not restarted because only another
 * one changed).
 */
function pruneCopies(svc: ReadyService, ctx: ServicePlanContext): PruneAction[] {
  const copies = ctx.observed.inventory.copies.get(svc.name) ?? [];
  const parent = svc.dir.slice(0, svc.dir.lastIndexOf("/"));
  const inUse = containersOf(svc, ctx.observed)
    .filter((c) =>
      c.state === "running" && c.hash !== "" &&
      runsCurrent(svc, c, ctx.observed.inventory.services.get(svc.name))
    )
    .map((c) => `${parent}/${c.hash}`);
  const keep = new Set([
    svc.dir,
    ...inUse,
    ...copies.filter((d) => d !== svc.dir).slice(0, ctx.keepCopies),
  ]);
  const old = copies.filter((d) => !keep.has(d));
  if (old.length === 0) return [];
  return [{
    kind: "prune",
    service: svc.name,
    dirs: old,
    code: "old-copies",
    reason: `keep the last ${ctx.keepCopies}`,
  }];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
