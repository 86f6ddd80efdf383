/**
 * `services.<name>.urls` in config.yml: the hostnames a reverse proxy routes to one of the
 * service's containers (pgo's `urls`). Pure.
 *
 * ```yaml
 * services:
 *   web:
 *     urls:
 *       app.example.org: web:8080
 *       www.example.org: web:8080
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
import type { Problem } from "../errors.ts";
import type { Read } from "./read.ts";
import { describeNode, pairKey, scalarString } from "./yaml_doc.ts";

/** One `hostname: NAME:PORT` line of a service's `urls`. */
export interface ProxyUrl {
  /** Lower case. */
  readonly host: string;
  /** A container of the service: its name, its unit's name, or its compose service's. */
  readonly name: string;
  readonly port: number;
  /** Line of the hostname in config.yml. */
  readonly line: number | undefined;
}

/** A service's `urls` and the file that says them. */
export interface ServiceUrls {
  readonly file: string;
  readonly urls: readonly ProxyUrl[];
}

/** Lines of YAML nodes, and errors placed at them (health_config's `EntryPlace`). */
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

/** Reads `urls:`, a map of hostnames to `NAME:PORT`. Each bad entry is an error at its line. */
export function readUrls(
  name: string,
  value: unknown,
  keyNode: unknown,
  at: UrlsPlace,
): Read<ProxyUrl[] | undefined> {
  const where = `services.${name}.urls`;
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
    const key = pairKey(pair);
    const host = key?.toLowerCase();
    const refusal = host === undefined ? "it is not a string" : hostRefusal(host);
    if (host === undefined || refusal !== undefined) {
      problems.push(at.error(
        `${where}: hostname ${JSON.stringify(key ?? describeNode(pair.key))}: ${refusal}`,
        pair.key,
        "Write a plain hostname such as app.example.org (no scheme, port, path or spaces)",
      ));
      continue;
    }
    const text = isScalar(pair.value) ? scalarString(pair.value) : undefined;
    const m = text === undefined ? null : TARGET.exec(text);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      problems.push(at.error(
        `${where}.${host}: target must be NAME:PORT (a container of ${name} and its port 1-65535), got ${
          text === undefined ? describeNode(pair.value) : JSON.stringify(text)
        }`,
        pair.value ?? pair.key,
        `Write "${host}: ${name}:8080"`,
      ));
      continue;
    }
    urls.push({ host, name: m[1] ?? "", port, line: at.lineOf(pair.key) });
  }
  return { value: urls, problems };
}
