/**
 * `hoist doctor` as data: the facts one collector gathers from the host, and the verdict of each
 * check made from them. The checks are pure functions of the facts (lib/doctor/check_*.ts), so
 * every verdict and fix is tested without the host.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { ObservedAccount } from "../types/observed.ts";
import type { SignatureResult } from "../types/signature.ts";

/** One account a service runs as (`user =`): named in the agent config or recorded by the inventory. */
export interface AccountFact {
  readonly service: string;
  readonly user: string;
  /** What `/etc/passwd` and the linger folder say; undefined: no such account. */
  readonly account: ObservedAccount | undefined;
}

/** How a check came out: an error makes `hoist doctor` exit 1, a warning is only shown. */
export type CheckLevel = "ok" | "warning" | "error";

/** One check's verdict: what was found and, unless ok, how to fix it. */
export interface CheckResult {
  /** Short stable name (`generator`, `source main`…), the first column of the text output. */
  readonly id: string;
  readonly level: CheckLevel;
  readonly message: string;
  /** What to do about it (absent when ok). */
  readonly fix?: string;
}

/** Builds a result, leaving `fix` out when there is none. */
export function result(
  id: string,
  level: CheckLevel,
  message: string,
  fix?: string,
): CheckResult {
  return fix === undefined ? { id, level, message } : { id, level, message, fix };
}

/** `stat` of one path: missing, or its type, permission bits and owner. */
export type PathStat =
  | { readonly path: string; readonly kind: "missing" }
  | {
    readonly path: string;
    readonly kind: "file" | "dir" | "other";
    /** Permission bits (0o7777). */
    readonly mode: number;
    readonly uid: number;
  };

/** A file the config names that must be hoist's alone: secret (no reading) or trusted (no writing). */
export interface ConfigFile {
  /** The config key naming it (`source main ssh_key`, `trust gpg_keys`…). */
  readonly key: string;
  readonly path: string;
  /** True for credentials (readable only by hoist); false for trust anchors (writable only by it). */
  readonly secret: boolean;
}

/** A program hoist runs: its version line, or why it could not be run. */
export type ToolFact =
  | { readonly found: true; readonly path: string; readonly version: string }
  | { readonly found: false; readonly path: string; readonly error: string };

/** The facts of a rootless (mode = "user") host. */
export interface RootlessFacts {
  readonly user: string;
  /** `loginctl show-user USER -p Linger` (`yes`/`no`), or why loginctl could not answer. */
  readonly loginctl: { readonly linger: boolean } | { readonly error: string };
  /** `/var/lib/systemd/linger/USER` exists (what `enable-linger` creates). */
  readonly lingerFile: boolean;
  /** `$XDG_RUNTIME_DIR`, and its stat when set. */
  readonly runtimeDir: { readonly value: string; readonly stat: PathStat } | undefined;
  /** `/etc/subuid` and `/etc/subgid` text (undefined when missing). */
  readonly subuid: string | undefined;
  readonly subgid: string | undefined;
  readonly newuidmap: string | undefined;
  readonly newgidmap: string | undefined;
}

/** One source reached (or not) and its tip's signature. */
export interface SourceFacts {
  readonly name: string;
  readonly url: string;
  /** Branch → tip, or the fetch's error. */
  readonly fetch:
    | { readonly ok: true; readonly tips: ReadonlyMap<string, string> }
    | { readonly ok: false; readonly message: string; readonly hint?: string };
  /** verify-commit of each tip (absent when require_signed = false or the fetch failed). */
  readonly signatures?: readonly SignatureResult[];
  /** Why the signatures could not be checked (a broken key file…). */
  readonly signatureError?: string;
  /** Names of sops-encrypted files in what this host deploys from it. */
  readonly sopsFiles: readonly string[];
}

/** `systemctl show hoist.timer hoist.service`: the properties hoist needs, per unit. */
export type UnitProperties = Readonly<Record<string, string>>;

/** What `hoist doctor` learns about this host. */
export interface DoctorFacts {
  readonly configFile: string;
  /** Accounts services run as (system mode; `user =`), from the agent config and the inventory. */
  readonly accounts?: readonly AccountFact[];
  readonly config:
    | { readonly ok: true; readonly value: Config }
    | { readonly ok: false; readonly message: string; readonly hint?: string };
  /** The uid hoist runs as. */
  readonly uid: number;
  /** state_dir and quadlet_dir (when the config parses). */
  readonly dirs: readonly { readonly key: "state_dir" | "quadlet_dir"; readonly stat: PathStat }[];
  /** Files holding secrets or trust (see {@link ConfigFile}), with their stat. */
  readonly files: readonly { readonly file: ConfigFile; readonly stat: PathStat }[];
  /** The quadlet generator (`quadlet -version`), undefined when none was found. */
  readonly generator: ToolFact | undefined;
  readonly podman: ToolFact;
  readonly systemd: ToolFact;
  readonly rootless: RootlessFacts | undefined;
  readonly sources: readonly SourceFacts[];
  readonly sops: ToolFact | undefined;
  /** Variables sops reads its keys from that are set (names only, never values). */
  readonly sopsKeyVars: readonly string[];
  /** Unix seconds now, and whether the clock is synchronised (`timedatectl`), if known. */
  readonly clock: { readonly now: number; readonly synchronized: boolean | undefined };
  /** Unit name → properties, or why systemctl could not answer. */
  readonly units:
    | { readonly ok: true; readonly byUnit: ReadonlyMap<string, UnitProperties> }
    | { readonly ok: false; readonly error: string };
  /**
   * The state DB: missing, `PRAGMA integrity_check`'s lines and the unit files its inventory
   * records, or why it could not be opened.
   */
  readonly db:
    | { readonly path: string; readonly kind: "missing" }
    | {
      readonly path: string;
      readonly kind: "checked";
      readonly lines: readonly string[];
      readonly inventory: number;
    }
    | { readonly path: string; readonly kind: "unreadable"; readonly error: string };
  /** Free space of state_dir's and quadlet_dir's file systems (`df -Pk`). */
  readonly space: readonly (
    | {
      readonly key: "state_dir" | "quadlet_dir";
      readonly path: string;
      readonly availableKiB: number;
      readonly totalKiB: number;
    }
    | { readonly key: "state_dir" | "quadlet_dir"; readonly path: string; readonly error: string }
  )[];
  /** Unit files in quadlet_dir carrying both of hoist's labels. */
  readonly hoistUnits: number;
}
