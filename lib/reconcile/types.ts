/**
 * The plan: data that says exactly what apply will do, and why (the reason is for display only).
 *
 * @module
 */
import type { DesiredFile } from "../desired/types.ts";
import type { Problem } from "../errors.ts";
import type { SourceVerdict } from "../trust/types.ts";

/**
 * Why an action is in the plan, as a stable code (metrics labels, notifications, the state DB);
 * `reason` says the same for humans and may carry details.
 */
export type ReasonCode =
  /** write: the unit file does not exist yet. */
  | "new-unit"
  /** write/restart: the repository changed what the service runs. */
  | "content-changed"
  /** write/restart: the file on disk differs although the repository did not change. */
  | "file-differs"
  /** write: the file on disk was missing, the service runs the current hash: nothing restarts. */
  | "file-missing"
  /**
   * write: the file on disk has the same effective configuration (another key order, comments,
   * the older hash scheme's label): nothing restarts.
   */
  | "same-config"
  /** restart: containers run another hash than the desired one. */
  | "stale-hash"
  /** stop/remove: a unit left the service folder. */
  | "unit-removed"
  /** stop: the generated unit got another name (ServiceName=). */
  | "unit-renamed"
  /** stop/remove/prune: the service left config.yml. */
  | "service-removed"
  /** copy: the immutable copy of a service folder. */
  | "service-files"
  /** copy: the host folder, for pre/post scripts or `${HOST_DIR}`. */
  | "host-files"
  /** prune: copies beyond `keep_copies`. */
  | "old-copies"
  /** daemon-reload: unit files were written or removed. */
  | "units-changed"
  /** daemon-reload: systemd runs older definitions than the files (an interrupted run). */
  | "reload-pending"
  /** start: a service hoist has not deployed before. */
  | "new-service"
  /** start: a deployed service that is not running. */
  | "not-running"
  /** run-script: config.yml's pre/post script, run on every apply. */
  | "script"
  /** pull: the images a service is about to (re)start on, fetched before anything of it stops. */
  | "images-first"
  /** proxy-snippet: a route of a service's `urls` was added, changed or removed. */
  | "urls-changed"
  /** consequence: systemd restarts a unit with one hoist restarts (Requires=, BindsTo=, PartOf=). */
  | "restarted-by-systemd"
  /** consequence: systemd stops a unit with one hoist stops or restarts. */
  | "stopped-by-systemd";

/** Write one quadlet file (atomically). `previous` is the file on disk, for the diff. */
export interface WriteAction {
  readonly kind: "write";
  readonly service: string;
  readonly unit: string;
  readonly content: string;
  readonly previous: string | null;
  /** The generated service name, recorded in the inventory. */
  readonly serviceUnit: string;
  /** Environment variables whose values plan output masks (in `previous`: adopted older units). */
  readonly sensitive?: readonly string[];
  /** The account whose manager and files it concerns (`user =`); absent: hoist's own. */
  readonly user?: string;
  readonly code: ReasonCode;
  readonly reason: string;
}

/** Remove one quadlet file hoist wrote earlier. */
export interface RemoveAction {
  readonly kind: "remove";
  readonly service: string;
  readonly unit: string;
  readonly previous: string | null;
  /** The account whose manager and files it concerns (`user =`); absent: hoist's own. */
  readonly user?: string;
  readonly code: ReasonCode;
  readonly reason: string;
}

/** Create an immutable folder of files (`${SERVICE_DIR}` or the host copy) if it does not exist. */
interface CopyBase {
  readonly kind: "copy";
  readonly dir: string;
  readonly files: readonly DesiredFile[];
  readonly code: ReasonCode;
  readonly reason: string;
}

/** The immutable copy of one service folder (`${SERVICE_DIR}`). */
export interface ServiceCopyAction extends CopyBase {
  readonly scope: "service";
  readonly service: string;
  /** The account that runs the service (`user =`): the copy is made readable by it alone. */
  readonly user?: string;
}

/** The copy of a host folder: `${HOST_DIR}` and the scripts' working folder. */
export interface HostCopyAction extends CopyBase {
  readonly scope: "host";
  /** The source the host folder comes from. */
  readonly source: string;
}

/** Either copy. */
export type CopyAction = ServiceCopyAction | HostCopyAction;

/** Delete immutable copies no longer kept. */
export interface PruneAction {
  readonly kind: "prune";
  readonly service: string;
  readonly dirs: readonly string[];
  readonly code: ReasonCode;
  readonly reason: string;
}

/** One daemon-reload, then wait until `waitFor` units are loaded. */
export interface ReloadAction {
  readonly kind: "daemon-reload";
  readonly waitFor: readonly string[];
  /** The account whose user manager reloads (`user =`); absent: hoist's own manager. */
  readonly user?: string;
  readonly code: ReasonCode;
  readonly reason: string;
}

/** start / restart / stop the systemd units of one service, in one call. */
export interface UnitAction {
  readonly kind: "start" | "restart" | "stop";
  readonly service: string;
  readonly units: readonly string[];
  /**
   * Clear the units' failed state and start-rate counter first (`reset-failed`): set for a
   * (re)start to a new hash, so that hoist's own restarts in quick succession never trip systemd's
   * start limit; never for a service that is down with an unchanged hash (a crash loop is
   * reported, not reset).
   */
  readonly resetFailed?: boolean;
  /** The account whose manager and files it concerns (`user =`); absent: hoist's own. */
  readonly user?: string;
  readonly code: ReasonCode;
  readonly reason: string;
}

/**
 * A script run with bash: config.yml's pre/post in the host copy (no `service`), or a service's
 * own in its copy (`service` set): its `[services.<name>]` pre/post, or its `setup.sh` (`setup`,
 * once per new hash). A service's script failing blocks only that service.
 */
export interface ScriptAction {
  readonly kind: "run-script";
  readonly phase: "pre" | "post" | "setup";
  readonly script: string;
  readonly cwd: string;
  /** The service whose script it is; undefined for config.yml's. */
  readonly service?: string;
  readonly code: ReasonCode;
  readonly reason: string;
}

/**
 * Fetch the registry images a service is about to (re)start on for a new hash, before any of its
 * units is stopped, written or restarted: it is the first action of its service, so a failed pull
 * skips the rest of that service, which keeps running what it runs. The executor pulls each
 * distinct image of consecutive pull actions once, a few at a time.
 */
export interface PullAction {
  readonly kind: "pull";
  readonly service: string;
  readonly images: readonly {
    readonly ref: string;
    /** `missing`: only when no local image has this reference; `always`: what the registry has. */
    readonly policy: "missing" | "always";
  }[];
  /** The account whose podman storage pulls (`user =`); absent: hoist's own. */
  readonly user?: string;
  readonly code: ReasonCode;
  readonly reason: string;
}

/**
 * Write the reverse-proxy snippet (`[proxy] caddy_snippet`, made from the services' `urls`)
 * atomically, then run `reload` (`[proxy] reload`, argv; empty: none). Planned only when the text
 * changes, last in the plan, so the containers it routes to have started. `previous` is the file
 * on disk, for the diff (null: none yet).
 */
export interface SnippetAction {
  readonly kind: "proxy-snippet";
  readonly path: string;
  readonly content: string;
  readonly previous: string | null;
  readonly reload: readonly string[];
  readonly code: ReasonCode;
  readonly reason: string;
}

/** Every step the executor knows. It switches on `kind` alone. */
export type Action =
  | WriteAction
  | RemoveAction
  | CopyAction
  | PruneAction
  | ReloadAction
  | UnitAction
  | ScriptAction
  | PullAction
  | SnippetAction;

/**
 * A unit systemd restarts or stops by itself because of an action of the plan: not an action
 * (the executor does nothing for it), but part of what will happen, shown with the plan.
 */
export interface Consequence {
  readonly kind: "restart" | "stop";
  readonly unit: string;
  /** The service whose file generates `unit` ("" when hoist does not know it). */
  readonly service: string;
  /** The unit whose restart or stop drags this one along. */
  readonly cause: string;
  /** The dependency that does it. */
  readonly via: "Requires" | "BindsTo" | "PartOf";
  readonly code: ReasonCode;
  readonly reason: string;
}

/** What the inventory should say about a service once its actions succeeded (null: forget it). */
export interface InventoryChange {
  readonly service: string;
  readonly record: {
    readonly hash: string;
    readonly inputs: Readonly<Record<string, string>>;
    readonly serviceUnits: readonly string[];
    /** Quadlet files of the service (also those already on disk, which hoist adopts). */
    readonly units: readonly { readonly path: string; readonly serviceUnit: string }[];
    /** The account it runs as (`user =`); absent: hoist's own manager. */
    readonly user?: string;
  } | null;
}

/** The result of reconcile(): applied as-is by apply, printed as-is by plan. */
export interface Plan {
  readonly revision: string;
  readonly host: string;
  readonly actions: readonly Action[];
  /** What systemd restarts or stops by itself because of the actions, in plan order. */
  readonly consequences: readonly Consequence[];
  readonly inventory: readonly InventoryChange[];
  readonly problems: readonly Problem[];
  /** True when an error blocks the whole plan (config.yml broken): nothing is applied. */
  readonly blocked: boolean;
  /** Each source's commit, signer and trust verdict (set by the caller; reconcile() leaves it out). */
  readonly sources?: readonly SourceVerdict[];
}

/**
 * The service an action concerns, or undefined (daemon-reload, config.yml's scripts, the host
 * copy).
 */
export function actionService(a: Action): string | undefined {
  switch (a.kind) {
    case "daemon-reload":
    case "proxy-snippet":
      return undefined;
    case "run-script":
      return a.service;
    case "copy":
      return a.scope === "service" ? a.service : undefined;
    default:
      return a.service;
  }
}

/**
 * What an action acts on, as one string: the quadlet path (write, remove), the folder (copy),
 * the folders joined by a space (prune), "" (daemon-reload), the phase (run-script), the image
 * references joined by a space (pull), the snippet's path (proxy-snippet), or the systemd units
 * joined by a space (start, restart, stop).
 */
export function actionTarget(a: Action): string {
  switch (a.kind) {
    case "write":
    case "remove":
      return a.unit;
    case "copy":
      return a.dir;
    case "prune":
      return a.dirs.join(" ");
    case "daemon-reload":
      return "";
    case "run-script":
      return a.phase;
    case "pull":
      return a.images.map((i) => i.ref).join(" ");
    case "proxy-snippet":
      return a.path;
    default:
      return a.units.join(" ");
  }
}

/** Actions that change the host (scripts run every time and do not count). */
export function changeCount(plan: Plan): number {
  return plan.actions.filter((a) => a.kind !== "run-script").length;
}
