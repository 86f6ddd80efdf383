/**
 * Whether a service needs a start or a restart, and why. Pure.
 *
 * @module
 */
import type { ReadyService } from "../desired/types.ts";
import { type Problem, problem } from "../errors.ts";
import type { InventoryService, ObservedState } from "../types/observed.ts";
import { groupsReason, runsCurrent, staleGroups } from "./own_hashes.ts";
import { containersOf, isCurrentHash, serviceUnitsOf, UP } from "./service_state.ts";
import type { ReasonCode, UnitAction } from "./types.ts";

/**
 * A restart when containers run another hash, or when the recorded hash (where no running
 * container tells) or a unit's effective configuration on disk changed while the service is
 * (partly) up; a start when an entry unit is
 * down; nothing otherwise. `configChanged`: a unit file on disk says something else than the
 * desired one (a file merely missing, or differing in layout only, does not count: what runs
 * carries the right hash). In a compose project where only compose services' own hashes changed
 * (`own_hashes.ts`), only their units restart (and entry units that are down start).
 */
export function startAction(
  svc: ReadyService,
  prev: InventoryService | undefined,
  observed: ObservedState,
  configChanged: boolean,
): UnitAction | undefined {
  const running = containersOf(svc, observed).filter((c) => c.state === "running");
  const stale = running.filter((c) => !runsCurrent(svc, c, prev));
  const staleHashes = [...new Set(stale.map((c) => c.hash || "none"))];
  const entry = serviceUnitsOf(svc, "entry");
  const down = entry.filter((u) =>
    !observed.runtime || !UP.has(observed.units.get(u)?.active ?? "inactive")
  );
  // Running containers carry the hash they run; the inventory's hash decides only where none do
  // (pods' infra, kube), so a service already restarted by a run that was killed before it
  // recorded the new hash is not restarted again.
  const hashChanged = prev !== undefined && !isCurrentHash(svc, prev.hash) && running.length === 0;
  const restart = staleHashes.length > 0 ||
    ((configChanged || hashChanged) && down.length < entry.length);
  // x-hoist: {restart_on_change: false}: what runs keeps running (heldRestart says so)
  if (restart && svc.restartOnChange !== false) {
    // only compose services whose own hash changed, when nothing of the project's did
    const groups = configChanged || hashChanged ? undefined : staleGroups(svc, stale);
    if (groups !== undefined && groups.length > 0) {
      const names = new Set(groups.map((g) => g.service));
      const units = serviceUnitsOf(svc, "all").filter((u) =>
        down.includes(u) ||
        svc.units.some((x) => x.serviceUnit === u && x.group && names.has(x.group.service))
      );
      return {
        kind: "restart",
        service: svc.name,
        units,
        resetFailed: true,
        ...groupsReason(svc, prev, groups),
      };
    }
    return {
      kind: "restart",
      service: svc.name,
      units: serviceUnitsOf(svc, "all"),
      resetFailed: true,
      ...changeReason(svc, prev, staleHashes),
    };
  }
  if (down.length === 0) return undefined;
  const state = observed.runtime
    ? down.map((u) => unitStateText(observed, u)).join(", ")
    : "not deployed yet";
  return {
    kind: "start",
    service: svc.name,
    units: entry,
    // a new hash may start afresh; the same one failing again is left for the user to see
    resetFailed: prev === undefined || !isCurrentHash(svc, prev.hash),
    code: prev ? "not-running" : "new-service",
    reason: prev ? `not running (${state})` : `new service (${state})`,
  };
}

/**
 * The note a plan carries for a service with `restartOnChange: false` whose running containers
 * carry another configuration than the repository's: hoist updates its units and does not
 * restart them.
 */
export function heldRestart(
  svc: ReadyService,
  observed: ObservedState,
  prev?: InventoryService,
): Problem[] {
  if (svc.restartOnChange !== false) return [];
  const running = containersOf(svc, observed).filter((c) => c.state === "running");
  const stale = running.filter((c) => !runsCurrent(svc, c, prev));
  if (stale.length === 0) return [];
  const units = serviceUnitsOf(svc, "entry");
  return [problem(
    "warning",
    `${svc.name}: units updated to ${svc.hash}, running containers not restarted (x-hoist: {restart_on_change: false})`,
    {
      service: svc.name,
      hint: `They run the older configuration until restarted: systemctl restart ${
        units.join(" ")
      }`,
    },
  )];
}

/** `unit failed (start-limit-hit)`, `unit inactive`, `unit not loaded`. */
function unitStateText(observed: ObservedState, unit: string): string {
  const s = observed.units.get(unit);
  if (s === undefined) return `${unit} not loaded`;
  const result = s.active === "failed" && s.result !== undefined && s.result !== "success"
    ? ` (${s.result})`
    : "";
  return `${unit} ${s.active}${result}`;
}

/**
 * A warning for each entry unit of `svc` that systemd stopped starting (start-limit-hit) while
 * hoist did not change it: a crash loop, which hoist reports and does not reset.
 */
export function crashLoopWarnings(
  svc: ReadyService,
  prev: InventoryService | undefined,
  observed: ObservedState,
): Problem[] {
  if (prev === undefined || !isCurrentHash(svc, prev.hash)) return [];
  return serviceUnitsOf(svc, "entry").flatMap((u) =>
    observed.units.get(u)?.result === "start-limit-hit"
      ? [problem(
        "warning",
        `${u} keeps failing: systemd stopped restarting it (start-limit-hit), and its configuration did not change`,
        {
          service: svc.name,
          hint:
            `See \`journalctl -u ${u}\`; once fixed, \`systemctl reset-failed ${u}\` (or push a change)`,
        },
      )]
      : []
  );
}

function changeReason(
  svc: ReadyService,
  prev: InventoryService | undefined,
  staleHashes: readonly string[],
): { code: ReasonCode; reason: string } {
  if (!prev || !isCurrentHash(svc, prev.hash)) {
    const before = prev?.inputs ?? {};
    const names = [...new Set([...Object.keys(before), ...Object.keys(svc.inputs)])].sort();
    const changed = names.filter((n) => before[n] !== svc.inputs[n]);
    if (prev && changed.length > 0) {
      return { code: "content-changed", reason: `content changed: ${changed.join(", ")}` };
    }
  }
  return staleHashes.length > 0
    ? { code: "stale-hash", reason: `running ${staleHashes.join(", ")}, want ${svc.hash}` }
    : { code: "file-differs", reason: "unit file on disk differed from the repository" };
}
