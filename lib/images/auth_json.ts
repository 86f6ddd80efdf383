/**
 * podman's auth file (containers-auth.json(5)) from hoist's registry credentials, and pgo's
 * `user:token@registry` credential lines. Pure: the caller reads the files and writes the result.
 *
 * @module
 */
import { REGISTRY_HOST } from "../config/registry_host.ts";

/** One registry's login. */
export interface RegistryLogin {
  readonly host: string;
  readonly username: string;
  readonly password: string;
}

/**
 * `user:token@registry` lines (pgo's `registries`), blank lines and `#` comments skipped; the
 * last `@` splits, since tokens may hold one. Errors name the line, never its content.
 */
export function parseCredentialLines(text: string): { logins: RegistryLogin[]; errors: string[] } {
  const logins: RegistryLogin[] = [];
  const errors: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) return;
    const at = line.lastIndexOf("@");
    const colon = line.indexOf(":");
    const host = at < 0 ? "" : line.slice(at + 1);
    if (at < 0 || colon < 0 || colon > at || !REGISTRY_HOST.test(host)) {
      errors.push(`line ${i + 1} is not user:token@registry`);
      return;
    }
    const username = line.slice(0, colon);
    const password = line.slice(colon + 1, at);
    if (username === "" || password === "") {
      errors.push(`line ${i + 1} has an empty user or token`);
      return;
    }
    logins.push({ host, username, password });
  });
  return { logins, errors };
}

/**
 * The auth file text for `logins` plus entries taken from existing auth files (later ones win for
 * the same host), keys sorted so the text only changes when a credential does.
 */
export function authJson(
  logins: readonly RegistryLogin[],
  fromFiles: readonly {
    readonly host: string;
    readonly entry: Readonly<Record<string, unknown>>;
  }[] = [],
): string {
  const auths: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const f of fromFiles) auths[f.host] = f.entry;
  for (const l of logins) {
    auths[l.host] = {
      auth: btoa(String.fromCharCode(...new TextEncoder().encode(`${l.username}:${l.password}`))),
    };
  }
  const sorted = Object.fromEntries(Object.entries(auths).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify({ auths: sorted }, null, 2) + "\n";
}
