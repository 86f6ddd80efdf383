/**
 * The plain data of health gating: what systemd and the probes said, verdicts, and the
 * revisions that passed. Pure.
 *
 * @module
 */

/** systemd's facts about one unit, read after a start (`systemctl show`). */
export interface UnitFacts {
  readonly unit: string;
  /** active, activating, failed, inactive… */
  readonly active: string;
  /** running, auto-restart, exited, dead… */
  readonly sub: string;
  /** The start job's (or last run's) Result: success, exit-code, signal, timeout… */
  readonly result?: string;
  /** Restarts systemd made by itself (Restart=). */
  readonly nRestarts?: number;
  /** ActiveEnterTimestamp, epoch ms. */
  readonly activeSince?: number;
  /** The main process's exit status (ExecMainStatus). */
  readonly exitStatus?: number;
}

/** One probe's outcome; `reason` is short and bounded (never a whole body). */
export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What one look at a service found, at `at` (epoch ms). */
export interface Observation {
  readonly at: number;
  readonly units: readonly UnitFacts[];
  /** Absent when no probe ran at this look (settle, none, or still in the start period). */
  readonly probe?: ProbeResult;
}

/** The gate's judgement of one service so far. */
export type Verdict =
  | { readonly state: "pending"; readonly waitMs: number }
  | { readonly state: "healthy"; readonly reason: string }
  | { readonly state: "unhealthy"; readonly reason: string }
  /** systemd gave no restart count or state to judge by: kept, recorded as unchecked. */
  | { readonly state: "unknown"; readonly reason: string };

/** A revision of a service that passed health on this host: what a rollback restores. */
export interface HealthyRevision {
  readonly service: string;
  readonly hash: string;
  readonly revision: string;
  /** ISO time it passed. */
  readonly at: string;
  /** Its quadlet files (path relative to quadlet_dir), as written. */
  readonly units: readonly {
    readonly path: string;
    readonly serviceUnit: string;
    readonly content: string;
  }[];
  readonly inputs: Readonly<Record<string, string>>;
  /** Generated systemd units, entries first. */
  readonly serviceUnits: readonly string[];
  /** Its immutable copy (`${SERVICE_DIR}`), absent when it has no files. */
  readonly dir?: string;
}

/** A (service, hash) that failed health here: the breaker keeps it from deploying again. */
export interface FailedHash {
  readonly service: string;
  readonly hash: string;
  /** ISO time of the failure. */
  readonly at: string;
  readonly reason: string;
}
