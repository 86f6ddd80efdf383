/**
 * The parsed-config cache: the {@link Config} the last full parse of the agent config gave, kept
 * in `state_dir/config-cache.json` (0600, written atomically) under a key of everything that
 * parse depends on, so that a timer run of an unchanged config loads no config parser at all
 * (zod, yaml and smol-toml are most of what a no-op `hoist apply` spends before its first
 * process; issue 10).
 *
 * The key is a sha256 over the cache format, hoist's version and build (`codeIdentity`), the
 * config file's path and text, the host name, uid and home the defaults come from, and the
 * environment variables the parse read (by name and value; all of them when it enumerated them).
 * The parser is pure, so an equal key gives an equal config.
 *
 * The cache is looked for in the state_dir the text names at its top level (`state_dir = "…"`
 * before the first table; else the default for this uid), found without parsing; a config that
 * names it otherwise just parses every time. A hit must also name that folder as its state_dir.
 * The file holds what the config holds (which the config file's own permissions guard): hence
 * 0600, in hoist's own state_dir. A `[secrets] env` value that is not an absolute path (a key
 * written inline, such as `SOPS_AGE_KEY`) is not copied into it: the entry holds where in the
 * config's text the value stands, and a hit reads it from there (a value the text holds only
 * with an escape keeps the config from being stored). Nor is a config stored whose state_dir is
 * not the folder the text names (it would never be found). A file that does not parse, holds
 * another format or another version is ignored and replaced; nothing is written on a hit.
 *
 * @module
 */
import { thisBuild } from "../adapters/code_identity.ts";
import type { Config, ConfigContext } from "../config/load_config.ts";
import { sha256Hex } from "../desired/digest.ts";
import { logger } from "../log.ts";
import { VERSION } from "../version.ts";
import { fromPlainData, toPlainData } from "./plain_data.ts";
import { type CacheEnvelope, parseCacheEnvelope, varsKey, type VarsRead } from "./cache_entry.ts";

const log = logger("run");

/** Bumped whenever the entry's shape or the key's parts change. */
const FORMAT = 2;

/** The cache file's name in state_dir. */
export const CONFIG_CACHE = "config-cache.json";

/** One stored parse. */
interface Entry extends CacheEnvelope {
  readonly config: unknown;
  /**
   * `[secrets] env` values that are not paths, stored as where they stand in the config's text
   * (name → [offset, length]): the key covers that text, so a hit reads them from it again.
   */
  readonly secretsAt?: Readonly<Record<string, readonly [number, number]>>;
}

/** A parsed config, and how to keep it for the next run. */
export interface CachedConfig {
  readonly config: Config;
  /** True when it came from the cache (no parser was loaded). */
  readonly hit: boolean;
  /**
   * Stores the config for the next run when it was parsed (state_dir exists once a run opened
   * its store); a failure is only logged. Nothing on a hit.
   */
  keep(write: (path: string, text: string) => Promise<void>): Promise<void>;
}

/**
 * The config of `text` (read from `file`): the cached one when the key matches, else
 * `parse(text, file, ctx)`'s (its errors are thrown as they are).
 */
export async function cachedConfig(
  read: (path: string) => Promise<string | undefined>,
  file: string,
  text: string,
  ctx: ConfigContext,
  parse: (text: string, file: string, ctx: ConfigContext) => Promise<Config>,
): Promise<CachedConfig> {
  const build = await thisBuild();
  const dir = stateDirNamed(text, ctx);
  const entry = parseEntry(await read(`${dir}/${CONFIG_CACHE}`).catch(() => undefined));
  if (entry !== undefined && entry.key === configKey(build, file, text, ctx, entry.vars)) {
    const config = withInlineSecrets(fromPlainData(entry.config) as Config, entry.secretsAt, text);
    if (config.stateDir === dir && config.file === file) {
      log.debug("config cache: hit");
      return { config, hit: true, keep: async () => {} };
    }
  }
  log.debug("config cache: miss");
  const env = new RecordingEnv(ctx.env);
  const config = await parse(text, file, { ...ctx, env: env.proxy });
  return {
    config,
    hit: false,
    async keep(write) {
      const path = `${config.stateDir}/${CONFIG_CACHE}`;
      // a run looks for it where the text names it: stored elsewhere, it could never hit
      if (config.stateDir !== dir) return;
      // a `[secrets] env` value that is not a path may be a key itself (SOPS_AGE_KEY): never
      // copied out of the config file, only where in its text it stands
      const inline = inlineSecrets(config.secrets.env, text);
      if (inline === undefined) return;
      const bare = { ...config, secrets: { ...config.secrets, env: inline.bare } };
      try {
        const stored: Entry = {
          format: FORMAT,
          hoist: VERSION,
          key: configKey(build, file, text, ctx, env.read),
          vars: env.read,
          config: toPlainData(bare, { keepUndefined: true }),
          ...(Object.keys(inline.at).length === 0 ? {} : { secretsAt: inline.at }),
        };
        await write(path, JSON.stringify(stored));
      } catch (e) {
        log.debug("config cache {path} not written: {error}", {
          path,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    },
  };
}

/**
 * The state_dir `text` names at its top level (a basic or literal string before the first table
 * header), else the default of this uid; found without a TOML parser, so it may be wrong (a
 * state_dir written otherwise): then the cache just misses.
 *
 * @example
 * ```ts
 * stateDirNamed('state_dir = "/srv/hoist"\n[source]\n', ctx); // "/srv/hoist"
 * ```
 */
export function stateDirNamed(text: string, ctx: ConfigContext): string {
  const top = text.split(/^\s*\[/m)[0] ?? "";
  const named = /^[ \t]*state_dir[ \t]*=[ \t]*(?:"([^"\\\n]*)"|'([^'\n]*)')[ \t]*(?:#.*)?$/m
    .exec(top);
  if (named) return named[1] ?? named[2]!;
  if (ctx.uid === 0) return "/var/lib/hoist";
  return `${ctx.env.XDG_STATE_HOME || `${ctx.home}/.local/state`}/hoist`;
}

/** The cache key of a parse that read `vars` of `ctx.env`. */
function configKey(
  build: string,
  file: string,
  text: string,
  ctx: ConfigContext,
  vars: VarsRead,
): string {
  const env = new Map(
    Object.entries(ctx.env).flatMap(([k, v]) => v === undefined ? [] : [[k, v] as const]),
  );
  return sha256Hex(JSON.stringify([
    FORMAT,
    VERSION,
    build,
    file,
    text,
    ctx.hostname,
    ctx.uid,
    ctx.home,
    ...varsKey(vars, env),
  ]));
}

/**
 * `env` without its values that are not absolute paths (a key written inline, such as
 * `SOPS_AGE_KEY`), and where in `text` each of those stands; undefined when one is not in `text`
 * as it is (written with an escape): such a config is not stored.
 *
 * @example
 * ```ts
 * inlineSecrets({ SOPS_AGE_KEY: "AGE-1Q", PATH: "/bin" }, 'env = { SOPS_AGE_KEY = "AGE-1Q" }');
 * // { bare: { SOPS_AGE_KEY: "", PATH: "/bin" }, at: { SOPS_AGE_KEY: [24, 6] } }
 * ```
 */
export function inlineSecrets(
  env: Readonly<Record<string, string>>,
  text: string,
): { bare: Record<string, string>; at: Record<string, [number, number]> } | undefined {
  const bare: Record<string, string> = {};
  const at: Record<string, [number, number]> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value.startsWith("/")) {
      bare[name] = value;
      continue;
    }
    const offset = text.indexOf(value);
    if (offset < 0) return undefined;
    bare[name] = "";
    at[name] = [offset, value.length];
  }
  return { bare, at };
}

/** Absent, or name → [offset, length] of whole numbers. */
function validPositions(at: unknown): boolean {
  if (at === undefined) return true;
  if (typeof at !== "object" || at === null || Array.isArray(at)) return false;
  return Object.values(at).every((p) =>
    Array.isArray(p) && p.length === 2 && p.every((n) => Number.isSafeInteger(n) && n >= 0)
  );
}

/** `config` with the `[secrets] env` values an entry stored by position read from `text`. */
function withInlineSecrets(
  config: Config,
  at: Entry["secretsAt"],
  text: string,
): Config {
  if (at === undefined) return config;
  const env = { ...config.secrets.env };
  for (const [name, [offset, length]] of Object.entries(at)) {
    env[name] = text.slice(offset, offset + length);
  }
  return { ...config, secrets: { ...config.secrets, env } };
}

/** The stored entry, if the file holds one of this format and hoist version. */
function parseEntry(text: string | undefined): Entry | undefined {
  const e = parseCacheEnvelope<Entry>(text, FORMAT);
  return e !== undefined && typeof e.config === "object" && e.config !== null &&
      validPositions(e.secretsAt)
    ? e as Entry
    : undefined;
}

/** The environment as the parser sees it, noting which variables it looked up or enumerated. */
class RecordingEnv {
  readonly proxy: Readonly<Record<string, string | undefined>>;
  readonly #names = new Set<string>();
  #all = false;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.proxy = new Proxy(env, {
      get: (target, name) => {
        if (typeof name === "string") this.#names.add(name);
        return Reflect.get(target, name);
      },
      has: (target, name) => {
        if (typeof name === "string") this.#names.add(name);
        return Reflect.has(target, name);
      },
      ownKeys: (target) => {
        this.#all = true;
        return Reflect.ownKeys(target);
      },
      getOwnPropertyDescriptor: (target, name) => {
        if (typeof name === "string") this.#names.add(name);
        return Reflect.getOwnPropertyDescriptor(target, name);
      },
    });
  }

  /** What was read so far. */
  get read(): VarsRead {
    return this.#all ? "all" : [...this.#names].sort();
  }
}
