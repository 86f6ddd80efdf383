/**
 * Plain-data snapshot of what runs on the host, taken once per run.
 *
 * @module
 */
import type { Problem } from "../errors.ts";

/** A container as `podman ps -a` reports it, reduced to what hoist decides on. */
export interface ObservedContainer {
  readonly id: string;
  readonly name: string;
  /** podman's state: running, exited, created, … */
  readonly state: string;
  /** Value of the gitops-service label. */
  readonly service: string;
  /** Value of the gitops-hash label ("" when absent). */
  readonly hash: string;
  /** Value of the gitops-unit-hash label (a compose service's own hash); absent when not set. */
  readonly unitHash?: string;
  /** PODMAN_SYSTEMD_UNIT label: the unit that runs it. */
  readonly unit: string;
  readonly startedAt: number;
}

/** A podman object's key: `container:web`, `pod:systemd-app`, `network:shared`, `volume:data`. */
export type ObjectKey = `${"container" | "pod" | "network" | "volume"}:${string}`;

/** A podman object that exists, whoever made it. */
export interface ExistingObject {
  readonly kind: "container" | "pod" | "network" | "volume";
  readonly name: string;
  /** Its gitops-service label ("" when absent: always for objects quadlet does not label). */
  readonly service: string;
  /** Its PODMAN_SYSTEMD_UNIT label: the unit that runs it ("" when absent). */
  readonly unit: string;
}

/** systemd's view of one unit. */
export interface UnitState {
  /** loaded, not-found, … */
  readonly load: string;
  /** active, inactive, failed, activating, deactivating, reloading. */
  readonly active: string;
  readonly sub: string;
  /** The file the unit comes from: the quadlet file for generated units (SourcePath), else its FragmentPath; "" when unknown. */
  readonly source?: string;
  /** systemd's Result of the last run: success, exit-code, start-limit-hit, … (absent: unknown). */
  readonly result?: string;
  /** True when systemd reports NeedDaemonReload=yes: its file changed since it was loaded. */
  readonly needReload?: boolean;
  /** When the unit last became active (ActiveEnterTimestamp), epoch ms; absent when unknown. */
  readonly activeSince?: number;
}

/** What the inventory says hoist deployed for one service. */
export interface InventoryService {
  readonly name: string;
  readonly hash: string;
  /** Input digests at that deployment (see DesiredService.inputs). */
  readonly inputs: Readonly<Record<string, string>>;
  /** Generated systemd units of the service, entries first. */
  readonly serviceUnits: readonly string[];
  readonly revision: string;
  /** ISO time of the last change. */
  readonly changedAt: string;
  /** The account it was deployed for (`user =`); absent: hoist's own manager. */
  readonly user?: string;
}

/** A file hoist wrote into quadlet_dir. */
export interface InventoryUnit {
  /** Path relative to quadlet_dir. */
  readonly path: string;
  readonly service: string;
  readonly serviceUnit: string;
  /** The account whose quadlet folder holds it (`user =`); absent: hoist's quadlet_dir. */
  readonly user?: string;
}

/** Everything hoist owns: it never touches anything else. */
export interface Inventory {
  readonly services: ReadonlyMap<string, InventoryService>;
  readonly units: ReadonlyMap<string, InventoryUnit>;
  /** Immutable copy folders hoist made, by service: absolute paths, newest first. */
  readonly copies: ReadonlyMap<string, readonly string[]>;
}

/** One snapshot of the host. */
export interface ObservedState {
  /** Content of quadlet files at the paths hoist cares about (desired + inventory); absent = no file. */
  readonly files: ReadonlyMap<string, string>;
  /** Immutable copy folders and host copies that exist (absolute paths). */
  readonly copies: ReadonlySet<string>;
  readonly containers: readonly ObservedContainer[];
  /** By unit name; units systemd does not know are absent or `not-found`. */
  readonly units: ReadonlyMap<string, UnitState>;
  readonly inventory: Inventory;
  /**
   * Folders under `state_dir/services` of services neither desired nor in the inventory (left by
   * an older hoist or a lost inventory), absolute paths: hoist's own, to remove.
   */
  readonly strayServiceFolders?: readonly string[];
  /**
   * Every podman object by {@link ObjectKey}, listed only when the run will write a unit file
   * (absent on a no-op, or where podman is missing): what a written unit must not take over.
   */
  readonly objects?: ReadonlyMap<ObjectKey, ExistingObject>;
  /** False where podman/systemd are absent (the demo): states are then unknown, not "stopped". */
  readonly runtime: boolean;
  /**
   * True when an earlier run wrote or removed unit files and did not finish its daemon-reload
   * (the mark in state_dir is still there): systemd may run units older than their files.
   */
  readonly reloadPending?: boolean;
  readonly warnings: readonly Problem[];
  /**
   * The accounts services run as (`user =`), by name: absent where no such account exists.
   * Only looked up when a service names one.
   */
  readonly accounts?: ReadonlyMap<string, ObservedAccount | undefined>;
  /**
   * Each account's podman objects (by account name), listed like {@link ObservedState.objects}
   * only when the run writes a unit of a service of that account.
   */
  readonly accountObjects?: ReadonlyMap<string, ReadonlyMap<ObjectKey, ExistingObject>>;
}

/** An account as observe found it (`/etc/passwd`, systemd's linger folder). */
export interface ObservedAccount {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** Its user manager runs without a login (`loginctl enable-linger`). */
  readonly lingers: boolean;
  /** `/etc/subuid` and `/etc/subgid` give it ranges (rootless podman needs them); absent: unknown. */
  readonly subids?: boolean;
  /**
   * Its primary group is its own (no other account has it as primary group or is a member), so
   * files shared with the group are shared with it alone; absent: unknown (not shared that way).
   */
  readonly privateGroup?: boolean;
}
