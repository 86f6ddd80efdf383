/**
 * The desired-state cache: the desired state the last full reading of the fetched trees gave,
 * kept in `state_dir/desired-cache.json` (0600, written atomically) under a key of everything that
 * reading depends on, so that a run of an unchanged commit neither runs `git archive` nor loads
 * and runs the repository readers again (issue 10: a timer run every two minutes should cost next
 * to nothing).
 *
 * The key is a sha256 over:
 * - the cache format, hoist's version and the identity of its build (`codeIdentity`: the
 *   executable, and from source the files' sizes and times), so another hoist reads the trees
 *   again;
 * - the agent config, every field (a canonical JSON of the loaded {@link Config});
 * - each source's name and the commit of each of its branches (a commit pins its trees);
 * - the host-side inputs: the variables the reading looked up (the environment under
 *   `[secrets] env_files`, by name and value; all of them when it enumerated them), the text of
 *   every file in the `[secrets] host_dirs` folders, and the host's digest key
 *   (`state_dir/secrets/key`) — all read again on every run, which needs no process.
 *
 * Decrypted secrets are not part of the key: a decryption result is fixed by its ciphertext
 * (which the commit pins), and a reading where one failed is not stored. The value is the desired
 * state without the bytes of its secret files (`secret: true`, kept as their digests only):
 * secret files never reach the cache file, and a plan that copies files reads the trees again
 * before it is used. A secret value a compose file interpolates (`${VAR}` from a secrets env file)
 * is part of its unit's text, here as in the unit file hoist writes: the file is 0600. A file that does not parse, holds another format or another version is ignored and
 * replaced.
 *
 * @module
 */
import { thisBuild } from "../adapters/code_identity.ts";
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { sha256Hex } from "../desired/digest.ts";
import type { SecretInputs } from "../desired/secrets.ts";
import type { DesiredState } from "../desired/types.ts";
import { logger } from "../log.ts";
import { fromPlainData, toPlainData } from "./plain_data.ts";
import { type CacheEnvelope, parseCacheEnvelope, varsKey, type VarsRead } from "./cache_entry.ts";
import { VERSION } from "../version.ts";
import { type FetchedSource, loadSources } from "./fetch_sources.ts";
import {
  type HostSecretInputs,
  hostSecretInputs,
  KEY_FILE,
  prepareSecrets,
} from "./prepare_secrets.ts";

const log = logger("run");

/** Bumped whenever the entry's shape or the key's parts change. */
const FORMAT = 2;

/**
 * This build's identity, asked for when this module loads (with the CLI, before the config is
 * read), so that its file walk from source overlaps the fetch instead of adding to it.
 */
const BUILD: Promise<string> = thisBuild();

/** Where the cache lives. */
export function desiredCachePath(stateDir: string): string {
  return `${stateDir}/desired-cache.json`;
}

/** Everything but the variables' names that the key covers. */
export interface CacheInputs {
  /** Which hoist computed it (see `codeIdentity` in lib/adapters/code_identity.ts). */
  readonly build: string;
  readonly config: Config;
  /** `[source, branch, commit]` of every fetched branch. */
  readonly commits: readonly (readonly [string, string, string])[];
  readonly host: HostSecretInputs;
  /** The content of `state_dir/secrets/key`, absent when there is none. */
  readonly hostKey: string | undefined;
}

/**
 * The cache key of `inputs` for a reading that looked up `vars`.
 *
 * @example
 * ```ts
 * cacheKey(inputs, ["WEB_DB_PASSWORD"]) === cacheKey(inputs, ["WEB_DB_PASSWORD"]); // true
 * ```
 */
export function cacheKey(inputs: CacheInputs, vars: VarsRead): string {
  return sha256Hex(JSON.stringify([
    FORMAT,
    VERSION,
    inputs.build,
    canonical(inputs.config),
    inputs.commits,
    ...varsKey(vars, inputs.host.vars),
    [...inputs.host.hostFiles].sort(byFirst),
    inputs.hostKey ?? null,
  ]));
}

const byFirst = (a: readonly [string, unknown], b: readonly [string, unknown]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/**
 * `value` with every object's keys sorted; maps and sets as their sorted entries and other
 * objects (a date) as their text, each tagged with its kind, so no two configs share a form.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const text = (x: unknown) => JSON.stringify(canonical(x));
  if (value instanceof Map) {
    return {
      "\0map": [...value].map(([k, v]): [string, unknown] => [text(k), canonical(v)]).sort(byFirst),
    };
  }
  if (value instanceof Set) return { "\0set": [...value].map(text).sort() };
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    return {
      [`\0${proto?.constructor?.name ?? "object"}`]: value instanceof Date
        ? value.toISOString()
        : String(value),
    };
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(byFirst);
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
}

/**
 * The variables of a reading, noting which it looked up (`get`/`has`) and whether it enumerated
 * them, so the key covers exactly the variables the desired state depends on.
 */
export class RecordingVars implements ReadonlyMap<string, string> {
  readonly #vars: ReadonlyMap<string, string>;
  readonly #names = new Set<string>();
  #all = false;

  constructor(vars: ReadonlyMap<string, string>) {
    this.#vars = vars;
  }

  /** What was read so far. */
  get read(): VarsRead {
    return this.#all ? "all" : [...this.#names].sort();
  }

  get(name: string): string | undefined {
    this.#names.add(name);
    return this.#vars.get(name);
  }

  has(name: string): boolean {
    this.#names.add(name);
    return this.#vars.has(name);
  }

  get size(): number {
    this.#all = true;
    return this.#vars.size;
  }

  forEach(
    fn: (value: string, key: string, map: ReadonlyMap<string, string>) => void,
    thisArg?: unknown,
  ): void {
    this.#all = true;
    this.#vars.forEach((v, k) => fn.call(thisArg, v, k, this));
  }

  entries(): MapIterator<[string, string]> {
    this.#all = true;
    return this.#vars.entries();
  }

  keys(): MapIterator<string> {
    this.#all = true;
    return this.#vars.keys();
  }

  values(): MapIterator<string> {
    this.#all = true;
    return this.#vars.values();
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
}

/** One stored reading. */
interface Entry extends CacheEnvelope {
  /** Written by an apply, which pruned the secrets cache to this reading's files. */
  readonly pruned: boolean;
  readonly desired: unknown;
}

/** The cache's answer for one run. */
export interface CachedDesired {
  /**
   * The stored desired state when every input is unchanged, without its secret files' bytes
   * (their `data` is empty): good for planning; a plan that copies files needs {@link read}.
   */
  readonly hit: DesiredState | undefined;
  /** Reads the trees and the desired state in full (and stores it when there was no hit). */
  read(): Promise<DesiredState>;
}

/**
 * Looks the fetched sources' desired state up; `prune` (an apply) also needs a stored reading
 * that pruned the secrets cache, which a dry run's does not.
 */
export async function cachedDesired(
  deps: Deps,
  config: Config,
  fetched: readonly FetchedSource[],
  opts: { prune: boolean },
): Promise<CachedDesired> {
  const path = desiredCachePath(config.stateDir);
  const keyPath = `${config.stateDir}/secrets/${KEY_FILE}`;
  const commits = fetched.flatMap((f) =>
    f.records.map((r) => [f.source.name, r.branch, r.commit] as const)
  );
  const host = await hostSecretInputs(deps, config);
  const inputs: CacheInputs = {
    build: await BUILD,
    config,
    commits,
    host,
    hostKey: (await deps.fs.readText(keyPath))?.trim(),
  };
  const entry = parseEntry(await deps.fs.readText(path));
  const hit = entry !== undefined && entry.key === cacheKey(inputs, entry.vars) &&
      (entry.pruned || !opts.prune)
    ? decodeDesired(entry.desired)
    : undefined;
  log.debug("desired-state cache: {answer}", { answer: hit ? "hit" : "miss" });
  return {
    hit,
    async read() {
      const loaded = await loadSources(fetched);
      const prepared = await prepareSecrets(deps, config, loaded, opts, host);
      const vars = new RecordingVars(prepared.vars);
      const secrets: SecretInputs = { ...prepared, vars };
      const { desiredFromSources } = await import("./desired_from_sources.ts");
      const desired = desiredFromSources(config, loaded, secrets);
      if (hit !== undefined || ![...prepared.decrypted.values()].every((d) => d.ok)) {
        return desired;
      }
      // the key as it is after the reading (prepareSecrets may have made the host key)
      const after = { ...inputs, hostKey: (await deps.fs.readText(keyPath))?.trim() };
      await store(deps, path, () => ({
        format: FORMAT,
        hoist: VERSION,
        key: cacheKey(after, vars.read),
        vars: vars.read,
        pruned: opts.prune,
        desired: encodeDesired(desired),
      }));
      return desired;
    },
  };
}

/** Writes the entry; a failure costs the next run a full reading, so it is only logged. */
async function store(deps: Deps, path: string, entry: () => Entry): Promise<void> {
  try {
    await deps.fs.writeAtomic(path, JSON.stringify(entry()), 0o600);
  } catch (e) {
    log.warn("desired-state cache {path} not written: {error}", {
      path,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}

/** The stored entry, if the file holds one of this format and hoist version. */
function parseEntry(text: string | undefined): Entry | undefined {
  const e = parseCacheEnvelope<Entry>(text, FORMAT);
  return e !== undefined && typeof e.pruned === "boolean" ? e as Entry : undefined;
}

/**
 * `desired` as JSON-able data ({@link toPlainData}): maps and sets kept as such, byte arrays as
 * base64, except those of a secret file (`secret: true`), which keep only their length: the cache
 * never holds a secret. Throws on values JSON cannot carry.
 */
export function encodeDesired(desired: DesiredState): unknown {
  return toPlainData(desired);
}

/** The inverse of {@link encodeDesired}: secret files' bytes come back empty. */
export function decodeDesired(data: unknown): DesiredState {
  return fromPlainData(data) as DesiredState;
}

/**
 * Whether observing the host for `a` asks what it asks for `b`: the same services, hashes, copy
 * folders and unit files (a cached and a full reading of one key always are).
 */
export function sameObservables(a: DesiredState, b: DesiredState): boolean {
  const shape = (d: DesiredState) =>
    JSON.stringify([
      d.services.map((s) =>
        s.status === "ready"
          ? [s.name, s.hash, s.dir, s.units.map((u) => [u.path, u.serviceUnit, u.content])]
          : [s.name]
      ),
      d.hosts.map((h) => [h.dir, h.files.length]),
    ]);
  const same = shape(a) === shape(b);
  if (!same) log.warn("desired-state cache: the full reading differs from the cached one");
  return same;
}
