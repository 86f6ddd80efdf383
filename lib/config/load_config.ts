/**
 * Agent config (TOML) → typed, validated {@link Config}. Pure: the caller reads the file.
 *
 * @module
 */
import { parse, TomlError } from "smol-toml";
import { HoistError } from "../errors.ts";
import type { Mode } from "../types/mode.ts";
import { registriesConfig, type RegistryConfig } from "./registries_config.ts";
import { type ImagesConfig, imagesConfig } from "./images_config.ts";
import {
  type MetricsConfig,
  metricsConfig,
  parseDuration,
  type ServeConfig,
  serveConfig,
} from "./serve_config.ts";
import { notifyConfig, type NotifySink } from "./notify_config.ts";
import { type ComposePolicy, composePolicy } from "./compose_config.ts";
import { type RemoteConfig, remoteConfig } from "./remote_config.ts";
import { type ProxyConfig, proxyConfig } from "./proxy_config.ts";
import { rolloutConfig } from "./rollout_config.ts";
import { type StateConfig, stateConfig } from "./state_config.ts";
import type { RolloutPolicy } from "../health/rollout.ts";
import { type ServiceOptions, serviceOptions } from "./service_options.ts";
import { configSchema } from "./config_schema.ts";
import { findKeyLine } from "./find_key_line.ts";
import { invalidConfigError } from "./invalid_config_error.ts";
export { defaultConfigPath } from "./config_path.ts";
export { sourceBranches } from "./source_branches.ts";

/** Facts about the machine that defaults depend on. */
export interface ConfigContext {
  readonly hostname: string;
  readonly uid: number;
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What every Git source has: where it is and how to reach it. */
interface SourceBase {
  readonly name: string;
  readonly url: string;
  readonly sshKey?: string;
  readonly knownHosts?: string;
  readonly tokenFile?: string;
  /** The secret of `POST /hooks/<name>` when this source has its own (`hoist serve`). */
  readonly webhookSecretFile?: string;
  /** The compose file of its service folders, instead of `compose.yaml` and its variants. */
  readonly compose?: string;
  /** `timeout`: how long one git fetch of this source may take; the adapter's 60 s when unset. */
  readonly timeoutMs?: number;
}

/** A branch holding `<path>/<host>/…`: one folder per host. */
export interface HostFoldersSource extends SourceBase {
  readonly kind: "host-folders";
  readonly branch: string;
  /** Folder holding the host folders; "" for the repository root. */
  readonly path: string;
}

/** One branch per service, its files at the branch root (the orphan-branch layout). */
export interface BranchPerServiceSource extends SourceBase {
  readonly kind: "branch-per-service";
  readonly branches: readonly string[];
}

/**
 * `layout = "services"`: a branch whose `<path>/` holds this host's service folders directly, with
 * no host level and no config.yml (seed 001); `services` selects some of them.
 */
export interface ServicesFolderSource extends SourceBase {
  readonly kind: "services-folder";
  readonly branch: string;
  /** Folder holding the service folders; "" for the repository root. */
  readonly path: string;
  /** The service folders to deploy; undefined: every one. */
  readonly services?: readonly string[];
}

/** `service = "<name>"`: a repository whose root is that one service's folder (seed 002). */
export interface ServiceRepoSource extends SourceBase {
  readonly kind: "service-repo";
  readonly branch: string;
  readonly service: string;
}

/**
 * One Git source: a repository branch holding host folders, one branch per service, a branch of
 * service folders, or one service's repository.
 */
export type SourceConfig =
  | HostFoldersSource
  | BranchPerServiceSource
  | ServicesFolderSource
  | ServiceRepoSource;

/** Who may sign what hoist deploys. */
export interface TrustConfig {
  readonly requireSigned: boolean;
  readonly gpgKeys: readonly string[];
  readonly allowedSigners: string | undefined;
  /** "tip": the fetched commit; "all": every commit since the last deployed one. */
  readonly verify: "tip" | "all";
  readonly allowRollback: boolean;
}

/** Where secrets come from. */
export interface SecretsConfig {
  /** Environment for sops (e.g. SOPS_AGE_KEY_FILE); added to hoist's own. */
  readonly env: Readonly<Record<string, string>>;
  /** KEY=VALUE files whose variables fill `${VAR}` in `.env` files (over the host environment). */
  readonly envFiles: readonly string[];
  /**
   * `host_dirs`: folder name → host folder. A compose `env_file` that leaves its service folder
   * through that name (`../../secrets/web.env`) is read from the host folder at apply time.
   */
  readonly hostDirs: Readonly<Record<string, string>>;
}

/** The validated agent configuration with every default filled in. */
export interface Config {
  /** The file it came from. */
  readonly file: string;
  readonly host: string;
  readonly mode: Mode;
  readonly quadletDir: string;
  readonly stateDir: string;
  readonly unitPrefix: string;
  /** In the order written; names are unique. */
  readonly sources: readonly SourceConfig[];
  readonly trust: TrustConfig;
  readonly secrets: SecretsConfig;
  /** Immutable copies kept per service besides the current one. */
  readonly keepCopies: number;
  /** The quadlet generator; found in the usual places when not set. */
  readonly quadletBin: string | undefined;
  /** Credentials for private registries (`[[registries]]`), read from their files at run time. */
  readonly registries: readonly RegistryConfig[];
  /** `[images]`: the scheduled update check of `auto` services, and pruning (absent: defaults). */
  readonly images?: ImagesConfig;
  /** `hoist serve`'s settings (`[serve]`). */
  readonly serve: ServeConfig;
  /** `[metrics]`: the textfile a timer run writes. */
  readonly metrics: MetricsConfig;
  /** `[[notify]]`: where notifications go (none: no notifications). */
  readonly notify: readonly NotifySink[];
  /** `[remote]`: keys that may operate the whole host through hoist serve's remote API. */
  readonly remote: RemoteConfig;
  /** `[proxy]`: the Caddyfile snippet made from the services' `urls` (absent: none is written). */
  readonly proxy?: ProxyConfig;
  /** `[services.<name>]`: per-service settings for layouts without config.yml. */
  readonly services: Readonly<Record<string, ServiceOptions>>;
  /** `[compose.policy]`: what compose files may ask for on this host. */
  readonly composePolicy: ComposePolicy;
  /** `[rollout]`: when changes deploy (windows, in a time zone) and how old a commit must be. */
  readonly rollout: RolloutPolicy;
  /** `[state]`: what the state DB keeps. */
  readonly state: StateConfig;
}

/**
 * Parses and validates config text. Problems throw `config-invalid` naming the file, line and key.
 *
 * @example
 * ```ts
 * const cfg = parseConfig('[source]\nurl = "/srv/gitops.git"\n', "/etc/hoist/config.toml",
 *   { hostname: "pi", uid: 0, home: "/root", env: {} });
 * cfg.quadletDir; // "/etc/containers/systemd"
 * ```
 */
export function parseConfig(text: string, file: string, ctx: ConfigContext): Config {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    if (e instanceof TomlError) {
      throw new HoistError(
        "config-invalid",
        `${file}:${e.line}: ${e.message.split("\n")[0]}`,
        "Fix the TOML syntax",
      );
    }
    throw e;
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) throw invalidConfigError(result.error, text, file);
  const c = result.data;
  const where = (key: string[]) => {
    const line = findKeyLine(text, key);
    return line === undefined ? file : `${file}:${line}`;
  };
  if ((c.source === undefined) === (c.sources === undefined)) {
    throw new HoistError(
      "config-invalid",
      c.source === undefined
        ? `${file}: no source: add a [source] table (or [[sources]])`
        : `${where(["sources"])}: set either [source] or [[sources]], not both`,
      `Add:\n[source]\nurl = "/srv/gitops.git"`,
    );
  }
  const rawSources = c.sources ?? [c.source!];
  const sources: SourceConfig[] = rawSources.map((r, i) => {
    const name = r.name ?? (rawSources.length === 1 ? "main" : "");
    if (name === "") {
      throw new HoistError(
        "config-invalid",
        `${file}: sources[${i}] needs a name when there are several sources`,
      );
    }
    const common = {
      name,
      url: r.url,
      ...(r.ssh_key === undefined ? {} : { sshKey: r.ssh_key }),
      ...(r.ssh_known_hosts === undefined ? {} : { knownHosts: r.ssh_known_hosts }),
      ...(r.token_file === undefined ? {} : { tokenFile: r.token_file }),
      ...(r.webhook_secret_file === undefined ? {} : { webhookSecretFile: r.webhook_secret_file }),
      ...(r.compose === undefined ? {} : { compose: r.compose }),
      ...(r.timeout === undefined ? {} : { timeoutMs: parseDuration(r.timeout)! }),
    };
    const branch = r.branch ?? "main";
    if (r.branches !== undefined && r.branches.length > 0) {
      return { kind: "branch-per-service", ...common, branches: r.branches };
    }
    if (r.service !== undefined) {
      return { kind: "service-repo", ...common, branch, service: r.service };
    }
    if (r.layout === "services") {
      return {
        kind: "services-folder",
        ...common,
        branch,
        path: (r.path ?? "services").replace(/\/+$/, ""),
        ...(r.services === undefined ? {} : { services: r.services }),
      };
    }
    return {
      kind: "host-folders",
      ...common,
      branch,
      path: (r.path ?? "gitops").replace(/\/+$/, ""),
    };
  });
  const names = sources.map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new HoistError("config-invalid", `${file}: two sources are named ${JSON.stringify(dup)}`);
  }
  const t = c.trust;
  const mode = c.mode ?? (ctx.uid === 0 ? "system" : "user");
  const configHome = ctx.env.XDG_CONFIG_HOME || `${ctx.home}/.config`;
  const stateHome = ctx.env.XDG_STATE_HOME || `${ctx.home}/.local/state`;
  return {
    file,
    host: c.host ?? ctx.hostname,
    mode,
    quadletDir: c.quadlet_dir ??
      (mode === "user" ? `${configHome}/containers/systemd` : "/etc/containers/systemd"),
    stateDir: c.state_dir ?? (mode === "user" ? `${stateHome}/hoist` : "/var/lib/hoist"),
    unitPrefix: c.unit_prefix ?? "gitops-",
    sources,
    trust: {
      requireSigned: t?.require_signed ?? true,
      gpgKeys: t?.gpg_keys ?? [],
      allowedSigners: t?.allowed_signers,
      verify: t?.verify ?? "tip",
      allowRollback: t?.allow_rollback ?? false,
    },
    secrets: {
      env: c.secrets?.env ?? {},
      envFiles: c.secrets?.env_files ?? [],
      hostDirs: c.secrets?.host_dirs ?? {},
    },
    keepCopies: c.keep_copies ?? 3,
    quadletBin: c.quadlet_bin,
    registries: registriesConfig(c.registries),
    ...(c.images === undefined ? {} : { images: imagesConfig(c.images) }),
    serve: serveConfig(c.serve),
    metrics: metricsConfig(c.metrics),
    notify: notifyConfig(c.notify ?? [], text, file),
    remote: remoteConfig(c.remote),
    ...(c.proxy === undefined ? {} : { proxy: proxyConfig(c.proxy) }),
    services: serviceOptions(c.services, text, file, mode),
    composePolicy: composePolicy(c.compose),
    rollout: rolloutConfig(c.rollout, (key) => findKeyLine(text, ["rollout", key]), file),
    state: stateConfig(c.state),
  };
}
