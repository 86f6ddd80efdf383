/**
 * The `[proxy]` table of the agent config → {@link ProxyConfig}: where hoist writes the Caddyfile
 * snippet made from the services' `urls` (config.yml's `services.<name>.urls`, else the agent
 * config's `[services.<name>] urls`), and the command that makes Caddy read it. Pure; `config_schema.ts` puts the schema in its own; `load_config.ts` calls the converter.
 *
 * ```toml
 * [proxy]
 * caddy_snippet = "/srv/caddy/Caddyfile-import"
 * reload = ["podman", "exec", "caddy", "caddy", "reload", "--config", "/etc/caddy/Caddyfile"]
 * ```
 *
 * @module
 */
import { z } from "zod";

/** The snippet's settings; absent: hoist writes no snippet (and `urls` are only checked). */
export interface ProxyConfig {
  /** Absolute path of the snippet file (the main Caddyfile `import`s it). */
  readonly caddySnippet: string;
  /** argv run after the snippet changed (no shell); empty: none. */
  readonly reload: readonly string[];
}

/** The `[proxy]` table's schema (strict: unknown keys are errors naming them). */
export const proxySchema = z.strictObject({
  caddy_snippet: z.string().startsWith("/", "must be an absolute path").refine(
    (p) => !p.endsWith("/") && !p.split("/").includes(".."),
    { message: "must be a file path without .. (e.g. /srv/caddy/Caddyfile-import)" },
  ),
  reload: z.array(z.string().min(1, "must not be empty")).min(
    1,
    "must name a program (or leave reload out)",
  ).optional(),
});

/** A parsed `[proxy]` table → {@link ProxyConfig}. */
export function proxyConfig(raw: z.infer<typeof proxySchema>): ProxyConfig {
  const p = proxySchema.parse(raw);
  return { caddySnippet: p.caddy_snippet, reload: p.reload ?? [] };
}
