/**
 * Decrypts the fetched trees' sops files and gathers the variables for `.env` files, before the
 * (pure) desired state is read. Decrypted results are cached by ciphertext under
 * `state_dir/secrets` (0600 files in a 0700 folder), so an unchanged repository needs no sops run.
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
  parseDotenv,
  type SecretInputs,
} from "../desired/secrets.ts";
import { HoistError } from "../errors.ts";
import type { FetchedSource } from "./fetch_sources.ts";

/** The repository path readService will look a file up by (branch sources are re-rooted). */
function keyOf(f: FetchedSource, branch: string, path: string): string {
  return f.source.branches.length > 0 ? `@${f.source.name}/${branch}/${path}` : path;
}

/** Decrypts every encrypted file of the fetched trees; reads `[secrets] env_files`. */
export async function prepareSecrets(
  deps: Deps,
  config: Config,
  fetched: readonly FetchedSource[],
): Promise<SecretInputs> {
  const decrypted = new Map<string, Decrypted>();
  const cacheDir = `${config.stateDir}/secrets`;
  let cacheReady = false;
  for (const f of fetched) {
    for (const [branch, tree] of f.trees) {
      for (const [path, entry] of tree.entries) {
        const enc = encryptedFile(path.split("/").pop()!);
        if (!enc || entry.kind !== "file") continue;
        const format: SopsFormat = enc.format;
        const cacheFile = `${cacheDir}/${
          hashParts([["format", format], ["ciphertext", entry.data]])
        }`;
        const cached = await deps.fs.readText(cacheFile);
        if (cached !== undefined) {
          decrypted.set(keyOf(f, branch, path), { ok: true, text: cached });
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
        decrypted.set(keyOf(f, branch, path), result);
      }
    }
  }
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
  return { decrypted, vars };
}
