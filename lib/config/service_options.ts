/**
 * The `[services.<name>]` tables of the agent config → {@link ServiceOptions}: per-service
 * settings for layouts that have no `config.yml` (`layout = "services"`, per-service
 * repositories). Pure; `load_config.ts` puts the schema in its own.
 *
 * @module
 */
import { z } from "zod";
import { entryPlace, type HealthSettings, readHealthValue } from "../desired/health_config.ts";
import { HoistError } from "../errors.ts";
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
    user: z.string().refine((u) => userNameError(u) === undefined, {
      message: "must be a login name: lower-case letters, digits, '_' or '-', not root",
    }).optional(),
  }),
);

/**
 * `[services]` as parsed → options by service name, sorted, without unset keys. `text` and `file`
 * place errors in health settings (`config-invalid`, every one with its line).
 */
export function serviceOptions(
  parsed: z.infer<typeof serviceOptionsSchema> | undefined,
  text = "",
  file = "config.toml",
  mode: Mode = "system",
): Readonly<Record<string, ServiceOptions>> {
  const out: Record<string, ServiceOptions> = {};
  const errors: string[] = [];
  for (const [name, o] of Object.entries(parsed ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    let health: HealthSettings | undefined;
    if (o.health !== undefined) {
      const key = ["services", name, "health"];
      const read = readHealthValue(
        name,
        o.health,
        (path) => entryPlace(file, () => deepestLine(text, key, path)),
      );
      for (const p of read.problems) {
        errors.push(
          `${p.file}${p.line === undefined ? "" : `:${p.line}`}: ${p.message}` +
            (p.hint === undefined ? "" : ` (${p.hint})`),
        );
      }
      health = read.value;
    }
    const userLine = o.user === undefined
      ? undefined
      : findLine(text, ["services", name, "user"]) ?? findLine(text, ["services", name]);
    if (o.user !== undefined && mode === "user") {
      errors.push(
        `${file}${
          userLine === undefined ? "" : `:${userLine}`
        }: [services.${name}] user: hoist runs rootless (mode = "user") and cannot deploy for another account (remove user, or run hoist as root in system mode)`,
      );
    }
    out[name] = {
      ...(o.user === undefined ? {} : { user: o.user }),
      ...(userLine === undefined ? {} : { userLine }),
      ...(o.pre === undefined ? {} : { pre: o.pre }),
      ...(o.post === undefined ? {} : { post: o.post }),
      ...(o.compose === undefined ? {} : { compose: o.compose }),
      ...(health === undefined ? {} : { health }),
    };
  }
  if (errors.length > 0) {
    throw new HoistError(
      "config-invalid",
      errors.join("\n"),
      errors.every((e) => e.includes("] user: "))
        ? 'Remove user from [services.<name>], or set mode = "system" and run hoist as root'
        : 'health = "none", or a table of one probe (http, tcp, command, container) and start_period, interval, timeout, retries, window, settle (and compose, the same per compose service)',
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
 * The line of a key path in TOML text, as `[services.web.health]` tables or `health = {…}` inline
 * tables write it: the deepest of its keys found.
 */
function findLine(text: string, key: readonly string[]): number | undefined {
  const lines = text.split("\n");
  let table: string[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line)?.[1];
    if (header !== undefined) {
      table = header.split(".").map((k) => k.trim().replace(/^"(.*)"$/, "$1"));
      if (table.join(".") === key.join(".")) return i + 1;
      continue;
    }
    const m = /^("?)([A-Za-z0-9_-]+)\1\s*=/.exec(line);
    if (m && [...table, m[2]].join(".") === key.join(".")) return i + 1;
  }
  return undefined;
}
