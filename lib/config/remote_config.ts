/**
 * The `[remote]` table of the agent config → {@link RemoteConfig}: keys that may operate the
 * whole host through `hoist serve`'s remote API, besides those committed in the repository's
 * `ssh/` folders. Pure; `config_schema.ts` puts the schema in its own; `load_config.ts` calls the converter.
 *
 * ```toml
 * [remote]
 * admin_keys = ["/etc/hoist/admin.pub"]
 * ```
 *
 * @module
 */
import { z } from "zod";

/** The remote API's settings. */
export interface RemoteConfig {
  /** Public key files (one key a line) whose keys authorise every service and plan/apply. */
  readonly adminKeys: readonly string[];
}

/** No admin keys: only the keys committed in the repository authorise anything. */
export const NO_REMOTE: RemoteConfig = { adminKeys: [] };

/** The `[remote]` table's schema (strict: unknown keys are errors naming them). */
export const remoteSchema = z.strictObject({
  admin_keys: z.array(
    z.string().startsWith("/", "must be an absolute path").refine((p) => !p.endsWith("/"), {
      message: "must be a file (a public key, e.g. /etc/hoist/admin.pub)",
    }),
  ).default([]),
});

/** A parsed `[remote]` table (or none) → {@link RemoteConfig}. */
export function remoteConfig(raw: z.infer<typeof remoteSchema> | undefined): RemoteConfig {
  return { adminKeys: remoteSchema.parse(raw ?? {}).admin_keys };
}
