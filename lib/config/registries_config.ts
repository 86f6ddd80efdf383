/**
 * `[[registries]]` in the agent config → {@link RegistryConfig}: credentials for private
 * registries, always from files (read at run time, never from the config text). Pure.
 *
 * ```toml
 * [[registries]]
 * host = "ghcr.io"
 * username = "me"
 * password_file = "/etc/hoist/ghcr.token"      # or auth_file = "/etc/hoist/auth.json" (podman's format)
 *
 * [[registries]]
 * credentials_file = "/etc/hoist/registries"   # pgo's form: user:token@registry lines
 * ```
 *
 * @module
 */
import { z } from "zod";
import { REGISTRY_HOST } from "./registry_host.ts";

/** One entry: a user and a password file, an existing auth.json, or a pgo credentials file. */
export type RegistryConfig =
  | {
    readonly kind: "password";
    readonly host: string;
    readonly username: string;
    readonly passwordFile: string;
  }
  | { readonly kind: "auth-file"; readonly host: string; readonly authFile: string }
  | { readonly kind: "credentials-file"; readonly credentialsFile: string };

const absolute = z.string().startsWith("/", "must be an absolute path");
export { REGISTRY_HOST } from "./registry_host.ts";

/** The schema of one `[[registries]]` table. */
export const registrySchema = z.strictObject({
  host: z.string().regex(REGISTRY_HOST, "must be a registry host[:port], without a scheme or path")
    .optional(),
  username: z.string().regex(/^[^\s:]+$/, "must not be empty or hold spaces or ':'").optional(),
  password_file: absolute.optional(),
  auth_file: absolute.optional(),
  credentials_file: absolute.optional(),
}).refine(
  (r) =>
    (r.credentials_file !== undefined &&
      r.host === undefined && r.username === undefined && r.password_file === undefined &&
      r.auth_file === undefined) ||
    (r.credentials_file === undefined && r.host !== undefined &&
      ((r.username !== undefined && r.password_file !== undefined && r.auth_file === undefined) ||
        (r.auth_file !== undefined && r.username === undefined && r.password_file === undefined))),
  {
    message:
      "set host with username and password_file, or host with auth_file, or credentials_file alone",
  },
);

/** Parsed tables → {@link RegistryConfig}s, in the order written. */
export function registriesConfig(
  raw: readonly z.infer<typeof registrySchema>[] | undefined,
): RegistryConfig[] {
  return (raw ?? []).map((r): RegistryConfig =>
    r.credentials_file !== undefined
      ? { kind: "credentials-file", credentialsFile: r.credentials_file }
      : r.auth_file !== undefined
      ? { kind: "auth-file", host: r.host ?? "", authFile: r.auth_file }
      : {
        kind: "password",
        host: r.host ?? "",
        username: r.username ?? "",
        passwordFile: r.password_file ?? "",
      }
  );
}
