/**
 * Decrypts the fetched trees' sops files, gathers the variables for `.env` files and reads the
 * `[secrets] host_dirs` folders, before the (pure) desired state is read. Decrypted results are cached by ciphertext under
 * `state_dir/secrets` (0600 files in a 0700 folder), so an unchanged repository needs no sops run;
 * entries the current revision does not use are removed. A cached secret keeps deploying after
 * its key is removed from the host: to revoke one, rotate it (new ciphertext).
 *
 * @module
 */
import type { SopsFormat } from "../adapters/sops.ts";
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { hashParts } from "../desired/digest.ts";
import {
  type Decrypted,
  encryptedFile,
  isPlainEnvFile,
  parseDotenv,
  type SecretInputs,
} from "../desired/secrets.ts";
import { HoistError } from "../errors.ts";
import type { LoadedSource } from "./fetch_sources.ts";
import type { RepoTree } from "../types/repo_tree.ts";

/** Each tree of a fetched source, with the key prefix readService looks its files up by. */
function treesOf(f: LoadedSource): { prefix: string; tree: RepoTree }[] {
  return f.trees.kind === "host-folders"
    ? [{ prefix: "", tree: f.trees.tree }]
    : [...f.trees.branches].map(([branch, tree]) => ({
      prefix: `@${f.source.name}/${branch}/`,
      tree,
    }));
}

/**
 * Decrypts every encrypted file of the fetched trees; reads `[secrets] env_files`. Only an apply
 * (`prune`) drops cache entries the revision does not use, so planning a newer revision never
 * takes away what the deployed one relies on.
 */
export async function prepareSecrets(
  deps: Deps,
  config: Config,
  fetched: readonly LoadedSource[],
  opts: { prune: boolean },
  host?: HostSecretInputs,
): Promise<SecretInputs> {
  const decrypted = new Map<string, Decrypted>();
  const cacheDir = `${config.stateDir}/secrets`;
  let cacheReady = false;
  const used = new Set<string>([KEY_FILE]);
  let secretsUsed = false;
  for (const f of fetched) {
    for (const { prefix, tree } of treesOf(f)) {
      for (const [path, entry] of tree.entries) {
        const name = path.slice(path.lastIndexOf("/") + 1);
        secretsUsed ||= isPlainEnvFile(name);
        const enc = encryptedFile(name);
        if (!enc || entry.kind !== "file") continue;
        secretsUsed = true;
        const format: SopsFormat = enc.format;
        const cacheName = hashParts([["format", format], ["ciphertext", entry.data]]);
        const cacheFile = `${cacheDir}/${cacheName}`;
        used.add(cacheName);
        const cached = await deps.fs.readText(cacheFile);
        if (cached !== undefined) {
          decrypted.set(prefix + path, { ok: true, text: cached });
          continue;
        }
        const result = await deps.sops.decrypt(entry.data, format, config.secrets.env);
        if (result.ok) {
          if (!cacheReady) {
            await deps.fs.mkdirp(cacheDir, 0o700);
            cacheReady = true;
          }
          await deps.fs.writeAtomic(cacheFile, result.text, 0o600);
        }
        decrypted.set(prefix + path, result);
      }
    }
  }
  // Rotated-out plaintexts do not linger: the cache holds what this revision uses, and the key.
  if (opts.prune) {
    for (const name of await deps.fs.listFiles(cacheDir)) {
      if (!used.has(name)) await deps.fs.remove(`${cacheDir}/${name}`, cacheDir);
    }
  }
  const { vars, hostDirs, hostFiles } = host ?? await hostSecretInputs(deps, config);
  const key = secretsUsed || hostDirs.size > 0 ? await hostKey(deps, cacheDir) : undefined;
  return {
    decrypted,
    vars,
    ...(key === undefined ? {} : { key }),
    ...(hostDirs.size > 0 ? { hostDirs, hostFiles } : {}),
  };
}

/** What the desired state reads of the host besides the trees and decryption. */
export interface HostSecretInputs {
  /** The host environment under `[secrets] env_files`' variables. */
  readonly vars: ReadonlyMap<string, string>;
  /** `[secrets] host_dirs`, trailing slashes dropped. */
  readonly hostDirs: ReadonlyMap<string, string>;
  /** The text of each file directly in a host folder, by host path. */
  readonly hostFiles: ReadonlyMap<string, string>;
}

/** Reads `[secrets] env_files` over the environment and the `host_dirs` folders' files. */
export async function hostSecretInputs(deps: Deps, config: Config): Promise<HostSecretInputs> {
  const hostDirs = new Map(
    Object.entries(config.secrets.hostDirs).map(([k, d]) => [k, d.replace(/(.)\/+$/, "$1")]),
  );
  const hostFiles = await readHostDirs(deps, hostDirs);
  const vars = new Map<string, string>();
  for (const [k, v] of Object.entries(deps.env)) if (v !== undefined) vars.set(k, v);
  for (const file of config.secrets.envFiles) {
    const text = await deps.fs.readText(file);
    if (text === undefined) {
      throw new HoistError(
        "config-invalid",
        `[secrets] env_files: ${file} does not exist`,
        "Create it or remove it from the list",
      );
    }
    for (const [k, v] of parseDotenv(text)) vars.set(k, v);
  }
  return { vars, hostDirs, hostFiles };
}

/**
 * The files directly in each `[secrets] host_dirs` folder, by path: compose env files reach them
 * as `../../secrets/<svc>.env`; which ones are used is known only once the compose files are read,
 * so all are read (a missing folder holds none, and the file's absence is reported where used).
 */
async function readHostDirs(
  deps: Deps,
  hostDirs: ReadonlyMap<string, string>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const dir of hostDirs.values()) {
    for (const name of await deps.fs.listFiles(dir)) {
      const text = await deps.fs.readText(`${dir}/${name}`);
      if (text !== undefined) out.set(`${dir}/${name}`, text);
    }
  }
  return out;
}

/** Name of the host's digest key in state_dir/secrets. */
export const KEY_FILE = "key";

/** The host's key for keyed digests of secrets; made once (32 random bytes, 0600). */
async function hostKey(deps: Deps, cacheDir: string): Promise<string> {
  const existing = (await deps.fs.readText(`${cacheDir}/${KEY_FILE}`))?.trim();
  if (existing) return existing;
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const key = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  await deps.fs.mkdirp(cacheDir, 0o700);
  await deps.fs.writeAtomic(`${cacheDir}/${KEY_FILE}`, key + "\n", 0o600);
  return key;
}
