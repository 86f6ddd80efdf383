/**
 * The auth file hoist hands podman for its pulls (`--authfile`): built from `[[registries]]` at
 * run time, written 0600 to `state_dir/auth.json` (atomically, and only when a credential changed).
 * Credentials never reach argv, logs, the plan or the state DB; errors name files and lines only.
 *
 * @module
 */
import { readPrivateFile } from "../adapters/private_file.ts";
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { HoistError } from "../errors.ts";
import { authJson, parseCredentialLines, type RegistryLogin } from "../images/auth_json.ts";

/** Where the auth file is written. */
export function authFilePath(config: Pick<Config, "stateDir">): string {
  return `${config.stateDir}/auth.json`;
}

/**
 * Writes the auth file when `[[registries]]` lists any, and returns its path (undefined: none
 * configured, podman uses its own login).
 */
export async function prepareAuthFile(
  deps: Pick<Deps, "fs">,
  config: Pick<Config, "registries" | "stateDir">,
  read: (path: string, what: string) => Promise<string> = readPrivateFile,
): Promise<string | undefined> {
  if (config.registries.length === 0) return undefined;
  const logins: RegistryLogin[] = [];
  const fromFiles: { host: string; entry: Record<string, unknown> }[] = [];
  for (const r of config.registries) {
    if (r.kind === "password") {
      const password = await read(r.passwordFile, `[[registries]] ${r.host} password_file`);
      logins.push({ host: r.host, username: r.username, password });
    } else if (r.kind === "credentials-file") {
      const parsed = parseCredentialLines(
        await read(r.credentialsFile, "[[registries]] credentials_file"),
      );
      if (parsed.errors.length > 0) {
        throw new HoistError(
          "config-invalid",
          `${r.credentialsFile}: ${parsed.errors.join("; ")}`,
          "One login per line: user:token@registry (e.g. me:ghp_…@ghcr.io)",
        );
      }
      logins.push(...parsed.logins);
    } else {
      const text = await read(r.authFile, `[[registries]] ${r.host} auth_file`);
      let entry: unknown;
      try {
        entry = (JSON.parse(text) as { auths?: Record<string, unknown> }).auths?.[r.host];
      } catch {
        throw new HoistError(
          "config-invalid",
          `${r.authFile} is not JSON`,
          "Use an auth file as podman login writes it",
        );
      }
      if (typeof entry !== "object" || entry === null) {
        throw new HoistError(
          "config-invalid",
          `${r.authFile} has no login for ${r.host}`,
          `Run podman login --authfile ${r.authFile} ${r.host}`,
        );
      }
      fromFiles.push({ host: r.host, entry: entry as Record<string, unknown> });
    }
  }
  const path = authFilePath(config);
  const text = authJson(logins, fromFiles);
  if ((await deps.fs.readText(path)) !== text) await deps.fs.writeAtomic(path, text, 0o600);
  return path;
}
