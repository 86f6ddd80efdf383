/**
 * `services.<name>.urls` in config.yml, and `[services.<name>] urls` in the agent config (layouts
 * without config.yml): the hostnames a reverse proxy routes to one of the service's containers
 * (pgo's `urls`). Pure.
 *
 * ```yaml
 * services:
 *   web:
 *     urls:
 *       app.example.org: web:8080
 *       www.example.org: web:8080
 * ```
 *
 * ```toml
 * [services.web]
 * urls = { "app.example.org" = "web:8080", "www.example.org" = "web:8080" }
 * ```
 *
 * Both sides end up in a Caddyfile ({@link ../desired/proxy_snippet.ts}), so both are read by
 * strict grammars: a hostname is a DNS name (letters, digits, `-` and `.`, optionally one leading
 * `*.`), a target is `NAME:PORT` with a podman object name. Nothing else — no space, brace,
 * quote, newline or `#` — can reach the snippet.
 *
 * @module
 */
import { isMap, isScalar } from "yaml";
import { type Problem, problem } from "../errors.ts";
import type { Read } from "./read.ts";
import { describeNode, pairKey, scalarString } from "./yaml_doc.ts";

/** One `hostname: NAME:PORT` line of a service's `urls`. */
export interface ProxyUrl {
  /** Lower case. */
  readonly host: string;
  /** A container of the service: its name, its unit's name, or its compose service's. */
  readonly name: string;
  readonly port: number;
  /** Line of the hostname in the file that says it (config.yml or the agent config). */
  readonly line: number | undefined;
}

/** A service's `urls` and the file that says them. */
export interface ServiceUrls {
  readonly file: string;
  readonly urls: readonly ProxyUrl[];
  /** The map as messages name it, when not `services.<name>.urls`: `[services.web] urls`. */
  readonly where?: string;
}

/** Lines of YAML nodes, and errors placed at them (entry_place.ts's `EntryPlace`). */
export interface UrlsPlace {
  readonly lineOf: (node: unknown) => number | undefined;
  readonly error: (message: string, node: unknown, hint?: string) => Problem;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TARGET = /^([A-Za-z0-9][A-Za-z0-9_.-]*):([0-9]{1,5})$/;

/**
 * Why `host` is not a hostname hoist routes, or undefined when it is: DNS labels of 1–63 letters,
 * digits and inner `-`, at most 253 characters, optionally `*.` in front (Caddy's wildcard).
 *
 * @example
 * ```ts
 * hostRefusal("app.example.org"); // undefined
 * hostRefusal("app.example.org {\n"); // "… is not a DNS name …"
 * ```
 */
export function hostRefusal(host: string): string | undefined {
  const bare = host.startsWith("*.") ? host.slice(2) : host;
  const labels = bare.split(".");
  if (host.length > 253 || bare === "" || !labels.every((l) => LABEL.test(l))) {
    return `${
      JSON.stringify(host)
    } is not a DNS name (labels of letters, digits and '-', joined by '.')`;
  }
  return undefined;
}

/** A checked `hostname: NAME:PORT` entry, or why it is refused (message and hint). */
type Checked =
  | { readonly ok: true; readonly host: string; readonly name: string; readonly port: number }
  | {
    readonly ok: false;
    readonly at: "host" | "target";
    readonly message: string;
    readonly hint: string;
  };

/** How one file writes a map and its entries, for messages. */
interface UrlsSyntax {
  /** The map in messages: `services.web.urls`, `[services.web] urls`. */
  readonly where: string;
  /** An entry as the file writes it: `app.example.org: web:8080`. */
  readonly entry: (host: string, target: string) => string;
}

/**
 * One entry of a service's `urls`, by the rules of both files; `target` is undefined when it is
 * not a string (`targetText` describes it then).
 */
function checkUrl(
  syntax: UrlsSyntax,
  service: string,
  key: string | undefined,
  keyText: string,
  target: string | undefined,
  targetText: string,
): Checked {
  const where = syntax.where;
  const host = key?.toLowerCase();
  const refusal = host === undefined ? "it is not a string" : hostRefusal(host);
  if (host === undefined || refusal !== undefined) {
    return {
      ok: false,
      at: "host",
      message: `${where}: hostname ${JSON.stringify(key ?? keyText)}: ${refusal}`,
      hint: "Write a plain hostname such as app.example.org (no scheme, port, path or spaces)",
    };
  }
  const m = target === undefined ? null : TARGET.exec(target);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    return {
      ok: false,
      at: "target",
      message:
        `${where}.${host}: target must be NAME:PORT (a container of ${service} and its port 1-65535), got ${
          target === undefined ? targetText : JSON.stringify(target)
        }`,
      hint: `Write ${syntax.entry(host, `${service}:8080`)}`,
    };
  }
  return { ok: true, host, name: m[1] ?? "", port };
}

/** Reads `urls:`, a map of hostnames to `NAME:PORT`. Each bad entry is an error at its line. */
export function readUrls(
  name: string,
  value: unknown,
  keyNode: unknown,
  at: UrlsPlace,
): Read<ProxyUrl[] | undefined> {
  const where = `services.${name}.urls`;
  const syntax = { where, entry: (h: string, t: string) => `"${h}: ${t}"` };
  if (!isMap(value)) {
    return {
      value: undefined,
      problems: [at.error(
        `${where} must be a map of hostnames to NAME:PORT, got ${describeNode(value ?? keyNode)}`,
        value ?? keyNode,
        `Write "urls:\\n  app.example.org: ${name}:8080"`,
      )],
    };
  }
  const problems: Problem[] = [];
  const urls: ProxyUrl[] = [];
  for (const pair of value.items) {
    const text = isScalar(pair.value) ? scalarString(pair.value) : undefined;
    const c = checkUrl(
      syntax,
      name,
      pairKey(pair),
      describeNode(pair.key),
      text,
      describeNode(pair.value),
    );
    if (c.ok) urls.push({ host: c.host, name: c.name, port: c.port, line: at.lineOf(pair.key) });
    else {
      const node = c.at === "host" ? pair.key : pair.value ?? pair.key;
      problems.push(at.error(c.message, node, c.hint));
    }
  }
  return { value: urls, problems };
}

/**
 * Reads the agent config's `[services.<name>] urls = { "app.example.org" = "web:8080" }` (parsed
 * TOML) by the same rules as config.yml's. `lineOf` gets the hostname (undefined: the table
 * itself) and returns its line in `file`, where known.
 *
 * @example
 * ```ts
 * readAgentUrls("web", { "app.example.org": "web:8080" }, "/etc/hoist/config.toml", () => 7)
 *   .value; // [{ host: "app.example.org", name: "web", port: 8080, line: 7 }]
 * ```
 */
export function readAgentUrls(
  name: string,
  value: unknown,
  file: string,
  lineOf: (host: string | undefined) => number | undefined,
): Read<ProxyUrl[] | undefined> {
  const where = `[services.${name}] urls`;
  const syntax = {
    where,
    entry: (h: string, t: string) => `urls = { ${JSON.stringify(h)} = ${JSON.stringify(t)} }`,
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      value: undefined,
      problems: [problem(
        "error",
        `${where} must be a table of hostnames to NAME:PORT, got ${
          Array.isArray(value) ? "an array" : `a ${typeof value}`
        }`,
        {
          file,
          line: lineOf(undefined),
          hint: `Write ${syntax.entry("app.example.org", `${name}:8080`)}`,
        },
      )],
    };
  }
  const problems: Problem[] = [];
  const urls: ProxyUrl[] = [];
  for (const [key, target] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const text = typeof target === "string" ? target : undefined;
    const kind = Array.isArray(target) ? "an array" : `a ${typeof target}`;
    const c = checkUrl(syntax, name, key, key, text, kind);
    const line = lineOf(key) ?? lineOf(undefined);
    if (c.ok) urls.push({ host: c.host, name: c.name, port: c.port, line });
    else problems.push(problem("error", c.message, { file, line, hint: c.hint }));
  }
  return { value: urls, problems };
}
