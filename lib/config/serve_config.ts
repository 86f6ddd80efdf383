/**
 * The `[serve]` and `[metrics]` tables of the agent config → {@link ServeConfig}, {@link MetricsConfig}.
 * Pure; `config_schema.ts` puts the schemas in its own; `load_config.ts` calls the converters.
 *
 * @module
 */
import { z } from "zod";

/** `hoist serve`'s settings, defaults filled in. */
export interface ServeConfig {
  readonly hostname: string;
  readonly port: number;
  /** PEM files; both or neither. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  /** Reconcile on this schedule besides webhooks; 0: webhooks only. */
  readonly intervalMs: number;
  readonly bodyLimit: number;
  /** The shared webhook secret's file; webhooks are off without one. */
  readonly webhookSecretFile: string | undefined;
  /** Event types that start a run (empty: all). */
  readonly events: readonly string[];
  /** Refs whose pushes start a run (empty: all). */
  readonly refs: readonly string[];
  /** `user:password` lines allowed to see the status page; undefined: no login asked. */
  readonly statusAuthFile: string | undefined;
}

/** Where a timer run writes its metrics for node_exporter's textfile collector. */
export interface MetricsConfig {
  readonly textfile: string | undefined;
}

/** The default address: loopback only, so nothing is exposed until asked for. */
export const DEFAULT_LISTEN = "127.0.0.1:9321";

const absolute = z.string().startsWith("/", "must be an absolute path");

/** `"90s"`, `"2m"`, `"1h"`, `"0"` → milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,6})\s*(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? (n === 0 ? "s" : undefined);
  if (unit === undefined) return undefined;
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as "ms" | "s" | "m" | "h"];
}

/** `host:port` or `[v6]:port` → its parts; undefined when it is not one. */
export function parseListen(text: string): { hostname: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  const hostname = m?.[1] ?? m?.[2];
  if (hostname === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    return undefined;
  }
  return { hostname, port };
}

/** The `[serve]` table's schema (strict: unknown keys are errors naming them). */
export const serveSchema = z.strictObject({
  listen: z.string().refine((s) => parseListen(s) !== undefined, {
    message: 'must be "address:port", e.g. "127.0.0.1:9321" or "[::1]:9321"',
  }).default(DEFAULT_LISTEN),
  tls_cert: absolute.optional(),
  tls_key: absolute.optional(),
  interval: z.string().refine((s) => {
    const ms = parseDuration(s);
    return ms !== undefined && (ms === 0 || ms >= 10_000);
  }, {
    message: 'must be a duration of at least 10s ("30s", "2m", "1h"), or "0" for webhooks only',
  })
    .default("2m"),
  body_limit: z.number().int().min(1024, "must be at least 1024 bytes").max(
    64 * 1024 * 1024,
    "must be at most 64 MiB",
  ).default(1024 * 1024),
  webhook_secret_file: absolute.optional(),
  events: z.array(z.string().regex(/^[a-z_ ]+$/i, "must be an event name")).default([]),
  refs: z.array(z.string().startsWith("refs/", "must be a full ref, e.g. refs/heads/main"))
    .default([]),
  status_auth_file: absolute.optional(),
}).refine((s) => (s.tls_cert === undefined) === (s.tls_key === undefined), {
  message: "set both tls_cert and tls_key, or neither",
  path: ["tls_cert"],
});

/** The `[metrics]` table's schema. */
export const metricsSchema = z.strictObject({ textfile: absolute.optional() });

/** A parsed `[serve]` table (or none) → {@link ServeConfig}. */
export function serveConfig(raw: z.infer<typeof serveSchema> | undefined): ServeConfig {
  const s = serveSchema.parse(raw ?? {});
  const listen = parseListen(s.listen) ?? { hostname: "127.0.0.1", port: 9321 };
  return {
    ...listen,
    tls: s.tls_cert !== undefined && s.tls_key !== undefined
      ? { cert: s.tls_cert, key: s.tls_key }
      : undefined,
    intervalMs: parseDuration(s.interval) ?? 120_000,
    bodyLimit: s.body_limit,
    webhookSecretFile: s.webhook_secret_file,
    events: s.events,
    refs: s.refs,
    statusAuthFile: s.status_auth_file,
  };
}

/** A parsed `[metrics]` table (or none) → {@link MetricsConfig}. */
export function metricsConfig(raw: z.infer<typeof metricsSchema> | undefined): MetricsConfig {
  return { textfile: raw?.textfile };
}
