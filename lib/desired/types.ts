/**
 * Plain-data types of the desired state: what one revision of the repository says this host runs.
 *
 * @module
 */
import type { Problem } from "../errors.ts";
import type { HealthSettings } from "./health_settings.ts";
import type { UpdatePolicy } from "../images/update_policy.ts";
import type { ServiceUrls } from "./proxy_urls.ts";

export type { RepoEntry, RepoTree } from "../types/repo_tree.ts";

/** The quadlet unit types hoist deploys. */
export type UnitType = "container" | "network" | "volume" | "pod" | "kube" | "image" | "build";

/** A quadlet file as hoist will write it. */
export interface DesiredUnit {
  /** Path relative to `quadlet_dir` (`gitops-web.container`, `gitops-web/web-net.network`). */
  readonly path: string;
  readonly type: UnitType;
  /** The systemd service quadlet generates from it (`gitops-web.service`, `web-net-network.service`). */
  readonly serviceUnit: string;
  /** Whether hoist starts it directly (containers outside a pod, pods, kube); others start as dependencies. */
  readonly entry: boolean;
  /** Final file content, templating applied, labels injected. */
  readonly content: string;
  /** Repository file it came from, for messages. */
  readonly source: string;
  /** `Section.Key` → its first line in `source`, to place the generator's complaints. */
  readonly keyLines?: Readonly<Record<string, number>>;
  /**
   * The compose service it belongs to (`.container`, `.build`), with that compose service's own
   * hash: hoist restarts only the compose services whose own hash changed.
   */
  readonly group?: UnitGroup;
}

/** One compose service of a project: its own hash, apart from the project's. */
export interface UnitGroup {
  /** The compose service name (`web`). */
  readonly service: string;
  /** 16 hex digits over its units' lines and the files they reference (`unit_groups.ts`). */
  readonly hash: string;
  /** The names in the service's `inputs` its hash covers, to name what changed. */
  readonly inputs: readonly string[];
}

/** A file of a service folder that goes into its immutable copy. */
export interface DesiredFile {
  /** Path relative to the service folder. */
  readonly path: string;
  readonly data: Uint8Array;
  /** sha256 hex of `data`. */
  readonly digest: string;
  /** Decrypted or filled from secrets: written 0600 in a 0700 folder; `digest` is keyed. */
  readonly secret?: boolean;
  /** The repository file it comes from when named otherwise (`db.sops.env` → `db.env`), for reasons. */
  readonly origin?: string;
}

/** What every service has, deployable or not. */
interface ServiceBase {
  readonly name: string;
  /** Other services this one requires or is ordered after. */
  readonly dependsOn: readonly string[];
  /** Problems found reading it; a blocked service has at least one error among them. */
  readonly problems: readonly Problem[];
  /** config.yml's `services.<name>.urls`: hostnames the reverse-proxy snippet routes to it. */
  readonly urls?: ServiceUrls;
}

/** A service read without errors: everything needed to deploy it. */
export interface ReadyService extends ServiceBase {
  readonly status: "ready";
  /** Content hash (16 hex digits) over the rendered units' effective configuration and files. */
  readonly hash: string;
  /**
   * The same service's hash under scheme 1 (unit text as written), what hoist before the
   * canonical hash labelled its containers and recorded: running that counts as running `hash`.
   */
  readonly legacyHash: string;
  /** Absolute path of the immutable copy (`${SERVICE_DIR}`). */
  readonly dir: string;
  readonly units: readonly DesiredUnit[];
  readonly files: readonly DesiredFile[];
  /** Digest per input (units by quadlet path, files by service path), to explain changes. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Environment variables set from manifest.sops.yml (their values are masked wherever shown). */
  readonly secretNames?: readonly string[];
  /** The service's own scripts, run in `dir`; none when it has none. */
  readonly scripts?: ServiceScripts;
  /**
   * `false` (compose `x-hoist: {restart_on_change: false}`): its units are updated, but hoist
   * does not restart what runs; a down service is still started.
   */
  readonly restartOnChange?: false;
  /**
   * How apply judges it after a (re)start: config.yml's `services.<name>.health`, else the agent
   * config's `[services.<name>] health`; absent: the default (the image's HEALTHCHECK, else settle).
   */
  readonly health?: HealthSettings;
  /**
   * A compose project's `x-hoist: { health }` by compose service (`web`): each judged in its own
   * container, unless `health.compose` sets that compose service. Not part of the hash.
   */
  readonly composeHealth?: Readonly<Record<string, HealthSettings>>;
  /**
   * config.yml's `services.<name>.images`: when its images may change outside Git (absent: by
   * each reference, `pinned` with a digest, else `manual`; see lib/images/update_policy.ts).
   * Not part of the hash.
   */
  readonly updatePolicy?: UpdatePolicy;
  /**
   * A compose project's `x-hoist: { images }` by image reference (`docker.io/library/redis:7`):
   * wins over `updatePolicy` for that image (`writtenPolicy()` in lib/images/update_policy.ts).
   * Not part of the hash.
   */
  readonly imagePolicies?: Readonly<Record<string, UpdatePolicy>>;
  /**
   * config.yml's `services.<name>.user` (else the agent config's `[services.<name>] user`): in
   * system mode the service runs rootless for that account (its quadlet folder, user manager and
   * podman storage); absent: the manager hoist runs against. Not part of the hash.
   */
  readonly user?: ServiceUser;
}

/** The account a service runs as, and where that was said (for messages). */
export interface ServiceUser {
  readonly name: string;
  readonly file: string;
  readonly line?: number;
}

/**
 * A service's own scripts: `setup` is its folder's `setup.sh`, run once per new hash before its
 * units start; `pre`/`post` come from the agent config's `[services.<name>]` and run on every
 * apply, before its units start and after.
 */
export interface ServiceScripts {
  readonly setup?: string;
  readonly pre?: string;
  readonly post?: string;
}

/** A service with errors: nothing of it is written, started or stopped; `problems` say why. */
export interface BlockedService extends ServiceBase {
  readonly status: "blocked";
}

/** One service of the host, ready to deploy, or blocked by errors. */
export type DesiredService = ReadyService | BlockedService;

/** The units of a service: none when it is blocked. */
export function desiredUnits(service: DesiredService): readonly DesiredUnit[] {
  return service.status === "ready" ? service.units : [];
}

/** The services that can be deployed. */
export function readyServices(services: readonly DesiredService[]): ReadyService[] {
  return services.filter((s): s is ReadyService => s.status === "ready");
}

/**
 * The host folder's own files (all but config.yml and the service folders), copied for
 * `${HOST_DIR}` and as the scripts' working folder.
 */
export interface DesiredHost {
  /** The source (config.toml `[[sources]]` name) this host folder comes from. */
  readonly source: string;
  readonly hash: string;
  readonly dir: string;
  readonly files: readonly DesiredFile[];
  /** config.yml's pre/post scripts, run in `dir`. */
  readonly scripts: { readonly pre?: string; readonly post?: string };
}

/** Everything the repository says about this host at one revision. */
export interface DesiredState {
  readonly revision: string;
  readonly host: string;
  /** Repository-relative host folder, e.g. `gitops/hostname_a`. */
  readonly root: string;
  /** Sorted by name. */
  readonly services: readonly DesiredService[];
  /** Host folders, one per source that has one, in source order. */
  readonly hosts: readonly DesiredHost[];
  /** Problems not tied to a service (config.yml itself); an error here blocks the whole apply. */
  readonly problems: readonly Problem[];
}
