/**
 * The `[services.<name>]` tables of the agent config → {@link ServiceOptions}: per-service
 * settings for layouts that have no `config.yml` (`layout = "services"`, per-service
 * repositories). Pure; `config_schema.ts` puts the schema in its own.
 *
 * @module
 */
import { z } from "zod";
import { entryPlace } from "../desired/entry_place.ts";
import type { HealthSettings } from "../desired/health_settings.ts";
import { readHealthValue } from "../desired/read_health_value.ts";
import { HoistError, type Problem } from "../errors.ts";
import { type ProxyUrl, readAgentUrls } from "../desired/proxy_urls.ts";
import type { Mode } from "../types/mode.ts";
import { userNameError } from "../desired/service_user.ts";

/** One service's settings from the agent config. */
export interface ServiceOptions {
  /** Shell script run before the service's units start (`pre = "mkdir -p /srv/x"`). */
  readonly pre?: string;
  /** Shell script run after its units started. */
  readonly post?: string;
  /** The compose file to read instead of `compose.yaml` and its variants. */
  readonly compose?: string;
  /**
   * How apply judges the service after a (re)start, as config.yml's `services.<name>.health`
   * would say it (`health = { tcp = "127.0.0.1:5432" }`); config.yml's wins where it has one.
   */
  readonly health?: HealthSettings;
  /**
   * The account the service runs as, rootless (system mode only), as config.yml's
   * `services.<name>.user` would say it; config.yml's wins where it has one.
   */
  readonly user?: string;
  /** The line of `user` in the agent config, for messages. */
  readonly userLine?: number;
  /**
   * Hostnames the reverse-proxy snippet routes to its containers, as config.yml's
   * `services.<name>.urls` would say them (`urls = { "app.example.org" = "web:8080" }`), each
   * with its line in the agent config; config.yml's win where it has them.
   */
  readonly urls?: readonly ProxyUrl[];
}

const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** A file name at the top of the service folder. */
const FILE_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]+$/;

/** `compose = "file.yml"`: a file name at the top of a service folder. */
export const composeFileSchema = z.string().regex(
  FILE_NAME,
  "must be a file name in the service folder",
);

/** The schema of `[services]`: service name → its table. */
export const serviceOptionsSchema = z.record(
  z.string().regex(SERVICE, "must be a plain service name"),
  z.strictObject({
    pre: z.string().min(1, "must not be empty").optional(),
    post: z.string().min(1, "must not be empty").optional(),
    compose: composeFileSchema.optional(),
    // checked by readHealthValue, with the same rules and messages as config.yml's
    health: z.unknown().optional(),
    // checked by readAgentUrls, with the same rules as config.yml's
    urls: z.unknown().optional(),
    user: z.string().refine((u) => userNameError(u) === undefined, {
      message: "must be a login name: lower-case letters, digits, '_' or '-', not root",
    }).optional(),
  }),
);

const HINTS = {
  health:
    'health = "none", or a table of one probe (http, tcp, command, container) and start_period, interval, timeout, retries, window, settle (and compose, the same per compose service)',
  user: 'Remove user from [services.<name>], or set mode = "system" and run hoist as root',
  urls:
    'urls = { "app.example.org" = "web:8080" }: DNS hostnames, each to NAME:PORT of a container of the service',
} as const;

/**
 * `[services]` as parsed → options by service name, sorted, without unset keys. `text` and `file`
 * place errors in health settings and urls (`config-invalid`, every one with its line).
 */
export function serviceOptions(
  parsed: z.infer<typeof serviceOptionsSchema> | undefined,
  text = "",
  file = "config.toml",
  mode: Mode = "system",
): Readonly<Record<string, ServiceOptions>> {
  const out: Record<string, ServiceOptions> = {};
  const errors: { text: string; kind: keyof typeof HINTS }[] = [];
  const report = (p: Problem, kind: keyof typeof HINTS) =>
    errors.push({
      kind,
      text: `${p.file}${p.line === undefined ? "" : `:${p.line}`}: ${p.message}` +
        (p.hint === undefined ? "" : ` (${p.hint})`),
    });
  for (const [name, o] of Object.entries(parsed ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    let health: HealthSettings | undefined;
    if (o.health !== undefined) {
      const key = ["services", name, "health"];
      const read = readHealthValue(
        name,
        o.health,
        (path) => entryPlace(file, () => deepestLine(text, key, path)),
      );
      for (const p of read.problems) report(p, "health");
      health = read.value;
    }
    let urls: readonly ProxyUrl[] | undefined;
    if (o.urls !== undefined) {
      const key = ["services", name, "urls"];
      const read = readAgentUrls(
        name,
        o.urls,
        file,
        (host) =>
          deepestLine(text, key, host === undefined ? [] : [host]) ??
            findLine(text, key.slice(0, 2)),
      );
      for (const p of read.problems) report(p, "urls");
      urls = read.value;
    }
    const userLine = o.user === undefined
      ? undefined
      : findLine(text, ["services", name, "user"]) ?? findLine(text, ["services", name]);
    if (o.user !== undefined && mode === "user") {
      errors.push({
        kind: "user",
        text: `${file}${
          userLine === undefined ? "" : `:${userLine}`
        }: [services.${name}] user: hoist runs rootless (mode = "user") and cannot deploy for another account (remove user, or run hoist as root in system mode)`,
      });
    }
    out[name] = {
      ...(o.user === undefined ? {} : { user: o.user }),
      ...(userLine === undefined ? {} : { userLine }),
      ...(o.pre === undefined ? {} : { pre: o.pre }),
      ...(o.post === undefined ? {} : { post: o.post }),
      ...(o.compose === undefined ? {} : { compose: o.compose }),
      ...(health === undefined ? {} : { health }),
      ...(urls === undefined ? {} : { urls }),
    };
  }
  if (errors.length > 0) {
    const kinds = [...new Set(errors.map((e) => e.kind))];
    throw new HoistError(
      "config-invalid",
      errors.map((e) => e.text).join("\n"),
      kinds.map((k) => HINTS[k]).join("; "),
    );
  }
  return out;
}

/** The line of `[...key, ...path]`, else of the longest part of it found (at least `key`). */
function deepestLine(text: string, key: readonly string[], path: readonly string[]) {
  for (let n = path.length; n >= 0; n--) {
    const line = findLine(text, [...key, ...path.slice(0, n)]);
    if (line !== undefined) return line;
  }
  return undefined;
}

/**
 * The line of a key path in TOML text, as `[services.web.health]` tables, `health = {…}` inline
 * tables or dotted keys (`urls."app.example.org" = …`) write it: the first line whose table and
 * key path start with `key`. Keys may be bare or quoted (`"app.example.org" = "web:8080"`).
 */
function findLine(text: string, key: readonly string[]): number | undefined {
  const lines = text.split("\n");
  const within = (path: readonly string[]) =>
    path.length >= key.length && key.every((k, i) => path[i] === k);
  let table: string[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line)?.[1];
    if (header !== undefined) {
      table = keyPath(header) ?? [];
      if (within(table)) return i + 1;
      continue;
    }
    const left =
      /^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=/
        .exec(line)?.[1];
    const path = left === undefined ? undefined : keyPath(left);
    if (path !== undefined && within([...table, ...path])) return i + 1;
  }
  return undefined;
}

/** `services."a.b".urls` → `["services", "a.b", "urls"]`; undefined when it is no key path. */
function keyPath(text: string): string[] | undefined {
  const parts: string[] = [];
  const part = /\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  while (part.lastIndex < text.length && (m = part.exec(text)) !== null) {
    parts.push(m[1] ?? m[2] ?? m[3] ?? "");
    if (m[4] === "") return parts;
  }
  return part.lastIndex === text.length && parts.length > 0 ? parts : undefined;
}
