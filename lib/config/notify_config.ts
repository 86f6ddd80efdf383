/**
 * The `[[notify]]` tables of the agent config → {@link NotifySink}s: where notifications go, which
 * events each sink wants, its throttle window and its compiled title/body templates. Pure;
 * `config_schema.ts` puts {@link notifySchema} in its schema; `load_config.ts` calls {@link notifyConfig}, which
 * checks what the schema cannot (templates, TLS for passwords) with errors naming key and line.
 *
 * @module
 */
import { z } from "zod";
import { HoistError } from "../errors.ts";
import { parseDuration } from "./serve_config.ts";

/** Every kind of notification event (`rolled-back`, `held-back`: none produced yet). */
export const EVENT_KINDS = [
  "deployed",
  "failed",
  "rolled-back",
  "held-back",
  "refused",
  "fetch-failed",
  "recovered",
  "remote",
] as const;

/** A kind of notification event. */
export type EventKind = typeof EVENT_KINDS[number];

/** The fields a template may name as `{field}`. */
export const TEMPLATE_FIELDS = [
  "host",
  "source",
  "revision",
  "rev",
  "signer",
  "service",
  "kind",
  "summary",
  "time",
] as const;

/** A field of an event a template can show. */
export type TemplateField = typeof TEMPLATE_FIELDS[number];

/** A compiled template: literal text and fields, in order. */
export type TemplateText = readonly (string | { readonly field: TemplateField })[];

/** The title and body of one event kind's message. */
export interface Template {
  readonly title: TemplateText;
  readonly body: TemplateText;
}

/** What every sink has. */
interface SinkBase {
  /** Unique; `hoist notify test NAME` picks it, the throttle keys on it. */
  readonly name: string;
  /** Event kinds sent. */
  readonly on: readonly EventKind[];
  /** Only events of these services (and host-wide ones) when set. */
  readonly services: readonly string[] | undefined;
  /** At most one message per (service, kind) in this time; 0: no throttling. */
  readonly windowMs: number;
  /** Consecutive fetch failures of a source before a `fetch-failed` message. */
  readonly fetchFailures: number;
  /** Per event kind, defaults filled in. */
  readonly templates: Readonly<Record<EventKind, Template>>;
  /** `file:line` of the sink's table, for messages about it. */
  readonly place: string;
  /** `file:line` of each key written in the table (e.g. `token_file`), for messages about files. */
  readonly keyPlaces: Readonly<Record<string, string>>;
}

/** `POST` of hoist's JSON to `url`, signed when `secretFile` is set. */
export interface WebhookSink extends SinkBase {
  readonly type: "webhook";
  readonly url: string;
  readonly secretFile: string | undefined;
}

/** A message to an ntfy server's topic. */
export interface NtfySink extends SinkBase {
  readonly type: "ntfy";
  readonly url: string;
  readonly topic: string;
  readonly tokenFile: string | undefined;
}

/** A message to a Gotify server with an application token. */
export interface GotifySink extends SinkBase {
  readonly type: "gotify";
  readonly url: string;
  readonly tokenFile: string;
}

/** Mail over SMTP. */
export interface EmailSink extends SinkBase {
  readonly type: "email";
  readonly host: string;
  readonly port: number;
  /** `tls`: implicit TLS (465); `starttls`: STARTTLS required (587); `none`: plain (25). */
  readonly security: "tls" | "starttls" | "none";
  readonly user: string | undefined;
  readonly passwordFile: string | undefined;
  /** PEM file of the CA that signed the server's certificate, besides the system's. */
  readonly caFile: string | undefined;
  readonly from: string;
  readonly to: readonly string[];
}

/** One configured notification sink. */
export type NotifySink = WebhookSink | NtfySink | GotifySink | EmailSink;

const absolute = z.string().startsWith("/", "must be an absolute path");
const httpUrl = z.string().refine((u) => /^https?:\/\/[^/?#@\s]+(?:[/?#][^\s]*)?$/i.test(u), {
  message: "must be an http:// or https:// URL without credentials (put tokens in token_file)",
});
const kind = z.enum(EVENT_KINDS);
const templateSchema = z.strictObject({
  title: z.string().optional(),
  body: z.string().optional(),
});
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

/** The schema of one `[[notify]]` table (strict: unknown keys are errors naming them). */
export const notifySchema = z.strictObject({
  type: z.enum(["webhook", "ntfy", "gotify", "email"]),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a plain name").optional(),
  url: httpUrl.optional(),
  topic: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an ntfy topic name").optional(),
  token_file: absolute.optional(),
  secret_file: absolute.optional(),
  on: z.array(kind).min(1, "must list at least one event kind").optional(),
  services: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a service name"))
    .optional(),
  window: z.string().refine((s) => parseDuration(s) !== undefined, {
    message: 'must be a duration ("30m", "1h", "90s") or "0" for no throttling',
  }).default("30m"),
  fetch_failures: z.number().int().min(1).max(1000).default(3),
  templates: z.partialRecord(kind, templateSchema).default({}),
  host: z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, "must be a host name or address").optional(),
  port: z.number().int().min(1, "must be a port (1-65535)").max(65535, "must be a port (1-65535)")
    .optional(),
  tls: z.boolean().default(false),
  starttls: z.boolean().default(false),
  user: z.string().min(1).optional(),
  password_file: absolute.optional(),
  ca_file: absolute.optional(),
  from: z.string().regex(ADDRESS, "must be one mail address").optional(),
  to: z.array(z.string().regex(ADDRESS, "must be a mail address")).min(1).optional(),
});

/** A parsed `[[notify]]` table. */
export type RawSink = z.infer<typeof notifySchema>;

/** What a kind's message says unless a template says otherwise. */
export const DEFAULT_TEMPLATES: Readonly<Record<EventKind, { title: string; body: string }>> = {
  "deployed": { title: "{host}: {service} deployed", body: "{summary}" },
  "failed": { title: "{host}: {service} failed", body: "{summary}" },
  "rolled-back": { title: "{host}: {service} rolled back", body: "{summary}" },
  "held-back": { title: "{host}: {service} held back", body: "{summary}" },
  "refused": { title: "{host}: refused {source} at {rev}", body: "{summary}" },
  "fetch-failed": { title: "{host}: cannot fetch {source}", body: "{summary}" },
  "recovered": { title: "{host}: recovered", body: "{summary}" },
  "remote": { title: "{host}: {service} operated remotely", body: "{summary}" },
};

/**
 * Event kinds a sink gets when `on` is not set: all but `deployed` and `remote` (what people did
 * on purpose: ask for them with `on`).
 */
export const DEFAULT_ON: readonly EventKind[] = EVENT_KINDS.filter((k) =>
  k !== "deployed" && k !== "remote"
);

/**
 * Compiles `{field}` template text; `{{` and `}}` are literal braces. Returns the parts, or why
 * it cannot be compiled.
 *
 * @example
 * ```ts
 * compileTemplate("{service} failed"); // { ok: true, parts: [{ field: "service" }, " failed"] }
 * compileTemplate("{servce}").ok; // false
 * ```
 */
export function compileTemplate(
  text: string,
): { ok: true; parts: TemplateText } | { ok: false; reason: string } {
  const parts: (string | { field: TemplateField })[] = [];
  let literal = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ((c === "{" || c === "}") && text[i + 1] === c) {
      literal += c, i++;
    } else if (c === "}") {
      return { ok: false, reason: `a lone "}" at character ${i + 1} (write "}}" for a brace)` };
    } else if (c === "{") {
      const end = text.indexOf("}", i);
      const name = end < 0 ? undefined : text.slice(i + 1, end);
      if (name === undefined) {
        return { ok: false, reason: `"{" at character ${i + 1} is not closed (write "{{")` };
      }
      if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) {
        return {
          ok: false,
          reason: `unknown field {${name}}; known: ${
            TEMPLATE_FIELDS.map((f) => `{${f}}`).join(" ")
          }`,
        };
      }
      if (literal !== "") parts.push(literal), literal = "";
      parts.push({ field: name as TemplateField }), i = end;
    } else literal += c;
  }
  if (literal !== "") parts.push(literal);
  return { ok: true, parts };
}

/**
 * The parsed `[[notify]]` tables → sinks, defaults filled in. Throws `config-invalid` listing
 * every problem (a bad template, a missing key for the type, a password without TLS) with
 * `file:line` and key.
 */
export function notifyConfig(
  raws: readonly RawSink[],
  text: string,
  file: string,
): readonly NotifySink[] {
  const problems: string[] = [];
  const sinks: NotifySink[] = [];
  const typeCount = new Map<string, number>();
  for (const r of raws) typeCount.set(r.type, (typeCount.get(r.type) ?? 0) + 1);
  const seenOfType = new Map<string, number>();
  for (const [i, r] of raws.entries()) {
    const at = (path: readonly string[]) => `${file}:${notifyKeyLine(text, i, path)}`;
    const fail = (path: readonly string[], message: string) =>
      problems.push(`${at(path)}: notify[${i}].${path.join(".")}: ${message}`);
    const n = (seenOfType.get(r.type) ?? 0) + 1;
    seenOfType.set(r.type, n);
    const templates = {} as Record<EventKind, Template>;
    for (const k of EVENT_KINDS) {
      const given = r.templates[k];
      const compile = (part: "title" | "body") => {
        const c = compileTemplate(given?.[part] ?? DEFAULT_TEMPLATES[k][part]);
        if (!c.ok) fail(["templates", k, part], c.reason);
        return c.ok ? c.parts : [];
      };
      templates[k] = { title: compile("title"), body: compile("body") };
    }
    const keyPlaces = Object.fromEntries(
      Object.keys(r).filter((k) => k.endsWith("_file")).map((k) => [k, at([k])]),
    );
    const base = {
      name: r.name ?? ((typeCount.get(r.type) ?? 0) > 1 ? `${r.type}-${n}` : r.type),
      on: r.on ?? DEFAULT_ON,
      services: r.services,
      windowMs: parseDuration(r.window) ?? 30 * 60_000,
      fetchFailures: r.fetch_failures,
      templates,
      place: at([]),
      keyPlaces,
    };
    const need = <T>(key: keyof RawSink, value: T | undefined): T | undefined => {
      if (value === undefined) fail([key], `required for type = "${r.type}"`);
      return value;
    };
    const refuse = (keys: readonly (keyof RawSink)[]) => {
      for (const key of keys) {
        if (r[key] !== undefined && (typeof r[key] !== "boolean" || r[key] === true)) {
          fail([key], `not a key of type = "${r.type}"`);
        }
      }
    };
    const mailKeys = ["host", "port", "tls", "starttls", "user", "password_file", "ca_file"]
      .concat("from", "to") as (keyof RawSink)[];
    switch (r.type) {
      case "webhook": {
        const url = need("url", r.url);
        refuse(["topic", "token_file", ...mailKeys]);
        if (url !== undefined) {
          sinks.push({ ...base, type: "webhook", url, secretFile: r.secret_file });
        }
        break;
      }
      case "ntfy": {
        const url = need("url", r.url), topic = need("topic", r.topic);
        refuse(["secret_file", ...mailKeys]);
        if (url !== undefined && topic !== undefined) {
          sinks.push({ ...base, type: "ntfy", url, topic, tokenFile: r.token_file });
        }
        break;
      }
      case "gotify": {
        const url = need("url", r.url), tokenFile = need("token_file", r.token_file);
        refuse(["topic", "secret_file", ...mailKeys]);
        if (url !== undefined && tokenFile !== undefined) {
          sinks.push({ ...base, type: "gotify", url, tokenFile });
        }
        break;
      }
      case "email": {
        const host = need("host", r.host), from = need("from", r.from), to = need("to", r.to);
        refuse(["url", "topic", "token_file", "secret_file"]);
        if (r.tls && r.starttls) fail(["starttls"], "set tls (implicit TLS) or starttls, not both");
        const security = r.tls ? "tls" : r.starttls ? "starttls" : "none";
        if (security === "none" && r.password_file !== undefined) {
          fail(
            ["password_file"],
            "the password would cross the network unencrypted: set starttls = true (port 587) " +
              "or tls = true (port 465)",
          );
        }
        if ((r.user === undefined) !== (r.password_file === undefined)) {
          fail(
            [r.user === undefined ? "password_file" : "user"],
            "set both user and password_file",
          );
        }
        if (host !== undefined && from !== undefined && to !== undefined) {
          sinks.push({
            ...base,
            type: "email",
            host,
            port: r.port ?? (security === "tls" ? 465 : security === "starttls" ? 587 : 25),
            security,
            user: r.user,
            passwordFile: r.password_file,
            caFile: r.ca_file,
            from,
            to,
          });
        }
        break;
      }
    }
  }
  const names = sinks.map((s) => s.name);
  const dup = names.find((s, i) => names.indexOf(s) !== i);
  if (dup !== undefined) {
    const i = names.lastIndexOf(dup);
    problems.push(
      `${file}:${notifyKeyLine(text, i, ["name"])}: two [[notify]] sinks are named "${dup}"`,
    );
  }
  if (problems.length > 0) {
    throw new HoistError(
      "config-invalid",
      problems.join("\n"),
      `[[notify]] keys: type (webhook, ntfy, gotify, email), name, url, topic, token_file, ` +
        `secret_file, on, services, window, fetch_failures, templates.<kind>.title/body, and for ` +
        `email host, port, tls, starttls, user, password_file, ca_file, from, to. Template fields: ${
          TEMPLATE_FIELDS.map((f) => `{${f}}`).join(" ")
        }`,
    );
  }
  return sinks;
}

/**
 * The line of `path` (`["token_file"]`, `["templates", "failed", "title"]`, `[]` for the table
 * itself) inside the `index`-th `[[notify]]` table of `text`; the table's own line when the key
 * is not written there (a default, or written in a way this does not follow).
 */
export function notifyKeyLine(text: string, index: number, path: readonly string[]): number {
  const lines = text.split("\n");
  let start = -1, seen = -1;
  for (const [i, raw] of lines.entries()) {
    if (/^\s*\[\[\s*notify\s*\]\]/.test(raw) && ++seen === index) {
      start = i;
      break;
    }
  }
  if (start < 0) return 1;
  let table = "notify";
  for (let i = start + 1; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line)?.[1]?.replace(/\s+/g, "");
    if (header !== undefined) {
      if (header === "notify" || !header.startsWith("notify.")) break;
      table = header;
      continue;
    }
    const key = /^([A-Za-z0-9_."-]+?)\s*=/.exec(line)?.[1]?.replace(/"/g, "");
    if (key === undefined || path.length === 0) continue;
    const full = `${table}.${key}`;
    if (full === ["notify", ...path].join(".")) return i + 1;
    // an inline table holding the key: templates = { failed = { title = "…" } }
    if (`notify.${path.join(".")}`.startsWith(`${full}.`)) return i + 1;
  }
  return start + 1;
}
