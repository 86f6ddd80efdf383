/**
 * Reads one probe of `health:` in config.yml: `http` (a URL or `{ url, status, body }`), `tcp`
 * (`host:port`), `command` (a list of words) or `container: true`. Pure.
 *
 * @module
 */
import { isMap, isScalar, isSeq } from "yaml";
import type { Problem } from "../errors.ts";
import type { EntryPlace } from "./entry_place.ts";
import type { HealthProbe } from "./health_settings.ts";
import type { Read } from "./read.ts";
import { describeNode, pairKey, scalarString } from "./yaml_doc.ts";

/** One probe's value. */
export function readProbe(
  where: string,
  key: string,
  node: unknown,
  at: EntryPlace,
): Read<HealthProbe | undefined> {
  const fail = (message: string, hint: string, n: unknown = node): Read<undefined> => ({
    value: undefined,
    problems: [at.error(message, n, hint)],
  });
  switch (key) {
    case "container":
      return isScalar(node) && node.value === true
        ? { value: { kind: "container" }, problems: [] }
        : fail(`${where} must be true, got ${describeNode(node)}`, "Write container: true");
    case "tcp": {
      const text = scalarString(node);
      const m = text === undefined ? null : /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/
        .exec(text);
      const port = Number(m?.[2]);
      if (!m || port < 1 || port > 65535) {
        return fail(
          `${where} must be "host:port", got ${
            text === undefined ? describeNode(node) : JSON.stringify(text)
          }`,
          `Write tcp: "127.0.0.1:5432"`,
        );
      }
      return {
        value: { kind: "tcp", host: (m[1] ?? "").replace(/^\[|\]$/g, ""), port },
        problems: [],
      };
    }
    case "command": {
      if (!isSeq(node) || node.items.length === 0) {
        return fail(
          `${where} must be a list of words, got ${describeNode(node)}`,
          `Write command: ["pg_isready", "-U", "app"] (a list: no shell parses it)`,
        );
      }
      const argv = node.items.map((i) => isScalar(i) ? scalarString(i) : undefined);
      const bad = argv.findIndex((a) => a === undefined);
      if (bad >= 0) {
        return fail(
          `${where}[${bad}] must be a string, got ${describeNode(node.items[bad])}`,
          "Each word of the command is a string",
          node.items[bad],
        );
      }
      return { value: { kind: "command", argv: argv.map(String) }, problems: [] };
    }
    default:
      return readHttp(where, node, at);
  }
}

/** `http: URL` or `http: { url, status, body }`. */
function readHttp(where: string, node: unknown, at: EntryPlace): Read<HealthProbe | undefined> {
  const problems: Problem[] = [];
  let url: string | undefined;
  let urlNode: unknown = node;
  let status = 200;
  let body: string | undefined;
  if (isScalar(node)) url = scalarString(node);
  else if (isMap(node)) {
    for (const pair of node.items) {
      const key = pairKey(pair);
      if (key === "url") {
        url = scalarString(pair.value);
        urlNode = pair.value ?? pair.key;
      } else if (key === "status") {
        const n = Number(scalarString(pair.value));
        if (!Number.isInteger(n) || n < 100 || n > 599) {
          problems.push(at.error(
            `${where}.status must be an HTTP status from 100 to 599, got ${
              describeNode(pair.value)
            }`,
            pair.value ?? pair.key,
            "Write status: 200",
          ));
        } else status = n;
      } else if (key === "body") {
        body = scalarString(pair.value);
        if (body === undefined) {
          problems.push(at.error(
            `${where}.body must be a string, got ${describeNode(pair.value)}`,
            pair.value ?? pair.key,
            `Write body: "ok" (text the answer must contain)`,
          ));
        }
      } else {
        problems.push(at.error(
          `${where}: unknown key ${JSON.stringify(key ?? describeNode(pair.key))}`,
          pair.key,
          "http knows: url, status, body",
        ));
      }
    }
  }
  let parsed: URL | undefined;
  try {
    parsed = url === undefined ? undefined : new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    problems.push(at.error(
      `${where} needs an http(s) url, got ${
        url === undefined ? describeNode(urlNode) : JSON.stringify(url)
      }`,
      urlNode,
      `Write http: { url: "http://127.0.0.1:8080/healthz" }`,
    ));
  }
  if (problems.length > 0 || url === undefined) return { value: undefined, problems };
  return {
    value: { kind: "http", url, status, ...(body === undefined ? {} : { body }) },
    problems: [],
  };
}
