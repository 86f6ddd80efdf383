/**
 * What commands need from the process: output streams, environment, config loading.
 *
 * @module
 */
import { defaultConfigPath } from "../config/config_path.ts";
import type { Config, ConfigContext } from "../config/load_config.ts";
import type { Deps, DepsConfig } from "../deps.ts";
import { HoistError, hostError } from "../errors.ts";
import { type CachedConfig, cachedConfig } from "../run/config_cache.ts";

/** Output and environment of one CLI run (tests capture it). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Colour allowed: stdout is a TTY and NO_COLOR is unset. */
  readonly color: boolean;
  readonly ctx: ConfigContext;
  readFile(path: string): Promise<string | undefined>;
}

/** Builds dependencies for a config; tests substitute their own. */
export type DepsFactory = (config: DepsConfig) => Promise<Deps>;

/** What every command gets: the process's streams, the global options, the adapters' factory. */
export interface CommandContext {
  readonly io: CliIo;
  readonly globals: GlobalOptions;
  readonly makeDeps: DepsFactory;
}

/** Global options shared by all commands. */
export interface GlobalOptions {
  config?: string;
  verbose?: boolean;
  quiet?: boolean;
}

const EXAMPLE = `[source]
url = "/srv/gitops.git"   # any git URL or local path
branch = "main"
path = "gitops"`;

/**
 * Loads the config named by --config, HOIST_CONFIG, or the default path; a file that cannot be
 * read (a folder, no permission) is `config-invalid` with a hint fitting the cause. `ctx` is the
 * process's unless a command reads the config as another would (validate: as the root agent).
 */
export async function loadConfig(
  io: CliIo,
  opts: GlobalOptions,
  ctx: ConfigContext = io.ctx,
): Promise<Config> {
  const { path, text } = await readConfig(io, opts);
  return await parseLazily(text, path, ctx);
}

/**
 * {@link loadConfig} through the parsed-config cache (lib/run/config_cache.ts): plan and apply,
 * the timer's command, parse an unchanged config once. The caller stores a fresh parse with
 * `keep` once state_dir exists.
 */
export async function loadCachedConfig(io: CliIo, opts: GlobalOptions): Promise<CachedConfig> {
  const { path, text } = await readConfig(io, opts);
  return await cachedConfig(io.readFile, path, text, io.ctx, parseLazily);
}

/** The parser (zod, yaml, smol-toml) is loaded when a config is parsed, not with the CLI. */
async function parseLazily(text: string, path: string, ctx: ConfigContext): Promise<Config> {
  const { parseConfig } = await import("../config/load_config.ts");
  return parseConfig(text, path, ctx);
}

/** The config file's path and text (see {@link loadConfig}). */
async function readConfig(io: CliIo, opts: GlobalOptions): Promise<{ path: string; text: string }> {
  const path = opts.config ?? io.ctx.env.HOIST_CONFIG ?? defaultConfigPath(io.ctx);
  const text = await io.readFile(path).catch((e) => {
    if (e instanceof HoistError) throw e;
    throw hostError("config-invalid", `cannot read the config file ${path}`, path, e);
  });
  if (text === undefined) {
    throw new HoistError(
      "config-missing",
      `no config file at ${path}`,
      `Create it with at least:\n${EXAMPLE}\nor pass --config FILE (or set HOIST_CONFIG)`,
    );
  }
  return { path, text };
}
