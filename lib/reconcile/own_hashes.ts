/**
 * Compose services' own hashes ({@link UnitGroup}): a running container is judged by its compose
 * service's hash, not by the project's, so editing one compose service restarts only its
 * container; and a unit file rewritten only because the project's hash moved restarts nothing.
 * Pure.
 *
 * @module
 */
import { canonicalUnit } from "../desired/digest.ts";
import { HASH_LABEL, UNIT_HASH_LABEL } from "../desired/labels.ts";
import type { DesiredUnit, ReadyService, UnitGroup } from "../desired/types.ts";
import type { InventoryService, ObservedContainer } from "../types/observed.ts";
import { isCurrentHash } from "./service_state.ts";
import type { ReasonCode } from "./types.ts";

/** The desired unit that runs `c` (by podman's PODMAN_SYSTEMD_UNIT label). */
function unitOf(svc: ReadyService, c: ObservedContainer): DesiredUnit | undefined {
  return svc.units.find((u) => u.serviceUnit === c.unit);
}

/**
 * True when `c` runs what the repository says: for a compose service's container, its own hash
 * (the `gitops-unit-hash` label); one started by a hoist before that label counts as current when
 * it runs the project's hash, or when none of its compose service's inputs changed since the
 * inventory recorded them (the inventory records a service only once its apply worked, so such a
 * container was judged current then). Other containers: the project's hash, as before.
 *
 * @example
 * ```ts
 * runsCurrent(svc, { ...container, unitHash: svc.units[0]!.group!.hash }, prev); // true
 * ```
 */
export function runsCurrent(
  svc: ReadyService,
  c: ObservedContainer,
  prev: InventoryService | undefined,
): boolean {
  const group = unitOf(svc, c)?.group;
  if (group === undefined) return isCurrentHash(svc, c.hash);
  if (c.unitHash !== undefined) return c.unitHash === group.hash;
  if (isCurrentHash(svc, c.hash)) return true;
  return svc.restartOnChange !== false && prev !== undefined && group.inputs.length > 0 &&
    group.inputs.every((n) => prev.inputs[n] !== undefined && prev.inputs[n] === svc.inputs[n]);
}

/** The compose services (their groups) whose running containers are not current. */
export function staleGroups(
  svc: ReadyService,
  stale: readonly ObservedContainer[],
): UnitGroup[] | undefined {
  const groups = stale.map((c) => unitOf(svc, c)?.group);
  if (groups.some((g) => g === undefined)) return undefined;
  const out = new Map<string, UnitGroup>();
  for (const g of groups) if (g) out.set(g.service, g);
  return [...out.values()].sort((a, b) => (a.service < b.service ? -1 : 1));
}

/**
 * Why the compose services `groups` restart: `content changed: compose service web
 * (compose.yaml services.web.image, app.env)`; the keys named are those whose lines changed,
 * appeared or went away since the inventory recorded the service.
 */
export function groupsReason(
  svc: ReadyService,
  prev: InventoryService | undefined,
  groups: readonly UnitGroup[],
): { code: ReasonCode; reason: string } {
  const parts = groups.map((g) => {
    const changed = prev === undefined ? [] : changedInputs(svc, prev, g);
    return changed.length > 0
      ? `compose service ${g.service} (${changed.join(", ")})`
      : `compose service ${g.service} (runs another configuration than ${g.hash})`;
  });
  return { code: "content-changed", reason: `content changed: ${parts.join("; ")}` };
}

/** The inputs of `g` that differ from the inventory's, and its compose keys that went away. */
function changedInputs(svc: ReadyService, prev: InventoryService, g: UnitGroup): string[] {
  // its root key (`compose.yaml services.web`, from which its [Install] line comes) is the
  // shortest compose-key input; keys under it that the inventory has and svc not were removed
  const root = g.inputs.filter((n) => / services\./.test(n))
    .sort((a, b) => a.length - b.length)[0];
  const removed = root === undefined
    ? []
    : Object.keys(prev.inputs).filter((n) => n.startsWith(`${root}.`) && !(n in svc.inputs));
  const names = [...new Set([...g.inputs, ...removed])].sort();
  return names.filter((n) => prev.inputs[n] !== svc.inputs[n]);
}

/**
 * The reason for writing a compose service's unit whose own configuration did not change: the
 * file on disk differs only by the project's hash (its label and the copy folder it names) or
 * lacks the `gitops-unit-hash` label an older hoist did not write. Undefined otherwise, and for
 * units that are no compose service's.
 */
export function ownHashWrite(
  svc: ReadyService,
  unit: DesiredUnit,
  previous: string | null,
): { code: ReasonCode; reason: string } | undefined {
  const group = unit.group;
  if (group === undefined || previous === null) return undefined;
  const was = labelIn(previous, UNIT_HASH_LABEL);
  if (was !== undefined && was !== group.hash) return undefined;
  const oldHash = labelIn(previous, HASH_LABEL);
  const relabelled = oldHash === undefined ? previous : previous.replaceAll(oldHash, svc.hash);
  if (canonicalUnit(withoutOwnLabel(relabelled)) !== canonicalUnit(withoutOwnLabel(unit.content))) {
    return undefined;
  }
  return {
    code: "same-config",
    reason: was === undefined
      ? `labelled with compose service ${group.service}'s own hash, same configuration (nothing restarts)`
      : `compose service ${group.service} unchanged, the project's hash moved (nothing restarts)`,
  };
}

/** The value of `Label=<key>=…` in unit text. */
function labelIn(text: string, key: string): string | undefined {
  return new RegExp(`^Label=${key}=([0-9a-f]+)$`, "m").exec(text)?.[1];
}

function withoutOwnLabel(text: string): string {
  return text.replace(new RegExp(`^Label=${UNIT_HASH_LABEL}=[0-9a-f]*\\n`, "m"), "");
}
