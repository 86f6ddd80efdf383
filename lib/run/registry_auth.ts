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
import type { RegistryAuthEnv } from "../images/registry_env.ts";
import type { RegistryCredentials } from "../adapters/registry_digest.ts";

/** Where the last image update checks are recorded (`hoist update`, read by `hoist plan`). */
export function imageChecksPath(config: Pick<Config, "stateDir">): string {
  return `${config.stateDir}/image_checks.json`;
}

/** Where the auth file is written. */
export function authFilePath(config: Pick<Config, "stateDir">): string {
  return `${config.stateDir}/auth.json`;
}

/**
 * The auth file and the hosts it has credentials for, for the units' `REGISTRY_AUTH_FILE`
 * (undefined: no `[[registries]]`). A `credentials_file`'s hosts are read from it (only the hosts
 * are kept); an unreadable or malformed one is an error naming the file and line.
 */
export async function registryAuthEnv(
  config: Pick<Config, "registries" | "stateDir">,
  read: (path: string, what: string) => Promise<string> = readPrivateFile,
): Promise<RegistryAuthEnv | undefined> {
  if (config.registries.length === 0) return undefined;
  const hosts = new Set<string>();
  for (const r of config.registries) {
    if (r.kind !== "credentials-file") {
      hosts.add(r.host);
      continue;
    }
    const parsed = parseCredentialLines(
      await read(r.credentialsFile, "[[registries]] credentials_file"),
    );
    if (parsed.errors.length > 0) throw credentialLinesError(r.credentialsFile, parsed.errors);
    for (const l of parsed.logins) hosts.add(l.host);
  }
  return { file: authFilePath(config), hosts: [...hosts].sort() };
}

function credentialLinesError(file: string, errors: readonly string[]): HoistError {
  return new HoistError(
    "config-invalid",
    `${file}: ${errors.join("; ")}`,
    "One login per line: user:token@registry (e.g. me:ghp_…@ghcr.io)",
  );
}

/** The credentials of `[[registries]]`, read from their files. */
interface ReadLogins {
  readonly logins: readonly RegistryLogin[];
  readonly fromFiles: readonly { host: string; entry: Record<string, unknown> }[];
}

async function readLogins(
  config: Pick<Config, "registries" | "stateDir">,
  read: (path: string, what: string) => Promise<string>,
): Promise<ReadLogins> {
  // the file hoist writes (and removes with the last [[registries]]) is never one it reads
  const own = authFilePath(config);
  for (const r of config.registries) {
    const [key, path] = r.kind === "password"
      ? ["password_file", r.passwordFile]
      : r.kind === "credentials-file"
      ? ["credentials_file", r.credentialsFile]
      : ["auth_file", r.authFile];
    if (path.replace(/\/+/g, "/") === own.replace(/\/+/g, "/")) {
      throw new HoistError(
        "config-invalid",
        `[[registries]]${r.kind === "credentials-file" ? "" : ` ${r.host}`} ${key} is ${path}, ` +
          "the auth file hoist writes (and removes when no [[registries]] are left)",
        "Keep your credentials in a file of your own, e.g. /etc/hoist/auth.json",
      );
    }
  }
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
      if (parsed.errors.length > 0) throw credentialLinesError(r.credentialsFile, parsed.errors);
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
  return { logins, fromFiles };
}

/**
 * Writes the auth file when `[[registries]]` lists any, and returns its path (undefined: none
 * configured, podman uses its own login). With none configured, an auth file an earlier run
 * wrote is removed: credentials taken out of the agent config do not stay on disk. (It is asked
 * for before every batch of pulls an apply makes, and by every `hoist update` that acts; the
 * units lose their `REGISTRY_AUTH_FILE` in the same apply, see lib/images/registry_env.ts.)
 */
export async function prepareAuthFile(
  deps: Pick<Deps, "fs">,
  config: Pick<Config, "registries" | "stateDir">,
  read: (path: string, what: string) => Promise<string> = readPrivateFile,
): Promise<string | undefined> {
  if (config.registries.length === 0) {
    await dropStaleAuthFile(deps, config);
    return undefined;
  }
  const { logins, fromFiles } = await readLogins(config, read);
  const path = authFilePath(config);
  const text = authJson(logins, fromFiles);
  if ((await deps.fs.readText(path)) !== text) await deps.fs.writeAtomic(path, text, 0o600);
  return path;
}

/**
 * Removes `state_dir/auth.json` when `[[registries]]` lists none (a no-op otherwise, or when there
 * is no such file): credentials taken out of the agent config do not stay on disk. Only that
 * file: state_dir and its other files stay.
 */
export async function dropStaleAuthFile(
  deps: Pick<Deps, "fs">,
  config: Pick<Config, "registries" | "stateDir">,
): Promise<void> {
  if (config.registries.length > 0) return;
  await deps.fs.remove(authFilePath(config), config.stateDir);
}

/**
 * Each configured registry host's login, for hoist's own registry queries (update checks); an
 * `auth_file` entry counts when it holds `auth` (base64 user:password), as podman login writes.
 * Later entries win for the same host.
 */
export async function registryLogins(
  config: Pick<Config, "registries" | "stateDir">,
  read: (path: string, what: string) => Promise<string> = readPrivateFile,
): Promise<Map<string, RegistryCredentials>> {
  const out = new Map<string, RegistryCredentials>();
  if (config.registries.length === 0) return out;
  const { logins, fromFiles } = await readLogins(config, read);
  for (const f of fromFiles) {
    const auth = f.entry["auth"];
    if (typeof auth !== "string") continue;
    let decoded: string;
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(auth), (c) => c.charCodeAt(0)));
    } catch {
      continue;
    }
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      out.set(f.host, { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) });
    }
  }
  for (const l of logins) out.set(l.host, { username: l.username, password: l.password });
  return out;
}
