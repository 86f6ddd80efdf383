/**
 * `services.<name>.health` in config.yml: how apply judges a service it (re)started. Pure.
 *
 * ```yaml
 * services:
 *   web:
 *     health:
 *       http: { url: "http://127.0.0.1:8080/healthz", status: 200, body: "ok" }
 *       start_period: 30s
 *       interval: 2s
 *       timeout: 2s
 *       retries: 3
 *       window: 120s
 *   db:
 *     health: { tcp: "127.0.0.1:5432" }
 *   batch:
 *     health: none
 * ```
 *
 * @module
 */
import { isMap, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { type Problem, problem } from "../errors.ts";
import { type ProxyUrl, readUrls } from "./proxy_urls.ts";
import type { Read } from "./read.ts";
import { readUpdatePolicy, type UpdatePolicy } from "../images/update_policy.ts";
import { describeNode, pairKey, scalarString } from "./yaml_doc.ts";

/** What is probed. `auto`: the image's HEALTHCHECK when it has one, else `settle`. */
export type HealthProbe =
  | {
    readonly kind: "http";
    readonly url: string;
    readonly status: number;
    readonly body?: string;
  }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  /** Run inside the service's container (`podman exec`). */
  | { readonly kind: "command"; readonly argv: readonly string[] }
  /** The image's HEALTHCHECK (`podman healthcheck run`). */
  | { readonly kind: "container" }
  /** Running, and not restarted, for `settleMs`. */
  | { readonly kind: "settle" }
  | { readonly kind: "auto" }
  /** Opted out: a started service is healthy. */
  | { readonly kind: "none" };

/** The health settings of one service, durations in ms. */
export interface HealthSettings {
  readonly probe: HealthProbe;
  /** Failed probes in this time after the start do not count. */
  readonly startPeriodMs: number;
  /** The first wait between probes (it grows, see `probeDelay`). */
  readonly intervalMs: number;
  /** Each probe's own time limit. */
  readonly timeoutMs: number;
  /** Failed probes in a row (after the start period) that make the service unhealthy. */
  readonly retries: number;
  /** No verdict in this time after the start is unhealthy. */
  readonly windowMs: number;
  /** How long the units must stay up, without a restart, to count as healthy. */
  readonly settleMs: number;
  /**
   * `compose:`: a compose project's own settings per compose service (`web`, `db`), each judged
   * in its own container; the other keys judge the project as a whole.
   */
  readonly compose?: Readonly<Record<string, HealthSettings>>;
  /** Where each `compose:` entry is written, for messages (a name that is no compose service). */
  readonly composePlaces?: Readonly<Record<string, SettingPlace>>;
}

/** Where a setting is written: its file and line, as far as known. */
export interface SettingPlace {
  readonly file?: string;
  readonly line?: number;
}

/** The settings when config.yml says nothing (`auto`). */
export const DEFAULT_HEALTH: HealthSettings = {
  probe: { kind: "auto" },
  startPeriodMs: 0,
  intervalMs: 2_000,
  timeoutMs: 2_000,
  retries: 3,
  windowMs: 120_000,
  settleMs: 10_000,
};

/** A service entry's settings in config.yml. */
export interface ServiceEntry {
  readonly health?: HealthSettings;
  /** `urls`: hostnames the reverse-proxy snippet routes to its containers (`proxy_urls.ts`). */
  readonly urls?: readonly ProxyUrl[];
  /** `images`: when its images may change outside Git (`pinned`, `manual`, `auto`). */
  readonly images?: UpdatePolicy;
}

/** Lines of YAML nodes, and errors placed at them (parse_host_config's `Place`). */
export interface EntryPlace {
  /** The file the nodes are read from, where known. */
  readonly file?: string;
  readonly lineOf: (node: unknown) => number | undefined;
  readonly error: (message: string, node: unknown, hint?: string) => Problem;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATIONS = ["start_period", "interval", "timeout", "window", "settle"] as const;
const PROBES = ["http", "tcp", "command", "container"] as const;
const KNOWN = [...PROBES, ...DURATIONS, "retries", "compose"];
/** A compose service name (the compose specification's pattern). */
const COMPOSE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/**
 * Parses a duration: `500ms`, `2s`, `1.5m`, `1h`, or a bare number of seconds. Undefined when
 * it is none of those.
 *
 * @example
 * ```ts
 * parseDuration("30s"); // 30000
 * parseDuration("fast"); // undefined
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? "s"] ?? 1_000));
}

/**
 * Reads one `services.<name>` entry: nothing (`web: {}`) or a map with `health`. Any other key is
 * an error at its line.
 */
export function readServiceEntry(name: string, value: unknown, at: EntryPlace): Read<ServiceEntry> {
  if (value === null || value === undefined || (isScalar(value) && value.value === null)) {
    return { value: {}, problems: [] };
  }
  if (!isMap(value)) {
    return {
      value: {},
      problems: [at.error(
        `services.${name} must be a map, got ${describeNode(value)}`,
        value,
        `Write "${name}: {}" or "${name}:\\n  health: …"`,
      )],
    };
  }
  const problems: Problem[] = [];
  let health: HealthSettings | undefined;
  let urls: ProxyUrl[] | undefined;
  let images: UpdatePolicy | undefined;
  for (const pair of value.items) {
    const key = pairKey(pair);
    if (key === "images") {
      const read = readUpdatePolicy(scalarString(pair.value));
      if ("error" in read) {
        problems.push(
          at.error(
            `services.${name}.images ${read.error}`,
            pair.value ?? pair.key,
            "Write images: pinned, images: manual or images: auto",
          ),
        );
      } else images = read.policy;
      continue;
    }
    if (key === "urls") {
      const read = readUrls(name, pair.value, pair.key, at);
      problems.push(...read.problems);
      urls = read.value;
      continue;
    }
    if (key !== "health") {
      problems.push(at.error(
        `services.${name}: unknown settings ${JSON.stringify(key ?? describeNode(pair.key))}`,
        pair.key,
        `A service entry knows "health", "urls", "images", "user" and "compose"; the service ` +
          "is configured by its folder",
      ));
      continue;
    }
    const read = readHealth(name, pair.value, pair.key, at);
    problems.push(...read.problems);
    health = read.value;
  }
  return {
    value: {
      ...(health === undefined ? {} : { health }),
      ...(urls === undefined ? {} : { urls }),
      ...(images === undefined ? {} : { images }),
    },
    problems,
  };
}

/** `health: none`, or a map of one probe and its timings. */
function readHealth(
  name: string,
  value: unknown,
  keyNode: unknown,
  at: EntryPlace,
  where = `services.${name}.health`,
): Read<HealthSettings | undefined> {
  const nested = where !== `services.${name}.health`;
  if (isScalar(value) && value.value === "none") {
    return { value: { ...DEFAULT_HEALTH, probe: { kind: "none" } }, problems: [] };
  }
  if (!isMap(value)) {
    return {
      value: undefined,
      problems: [at.error(
        `${where} must be "none" or a map, got ${describeNode(value ?? keyNode)}`,
        value ?? keyNode,
        `Write "health: none" or "health:\\n  http: { url: http://127.0.0.1:8080/ }"`,
      )],
    };
  }
  const problems: Problem[] = [];
  const out: { -readonly [K in keyof HealthSettings]: HealthSettings[K] } = { ...DEFAULT_HEALTH };
  const probes: string[] = [];
  const nodes: Record<string, unknown> = {};
  for (const pair of value.items) {
    const key = pairKey(pair);
    if (key === undefined || !KNOWN.includes(key) || (nested && key === "compose")) {
      const known = nested ? KNOWN.filter((k) => k !== "compose") : KNOWN;
      problems.push(at.error(
        `${where}: unknown key ${JSON.stringify(key ?? describeNode(pair.key))}`,
        pair.key,
        `health knows: ${known.join(", ")}`,
      ));
      continue;
    }
    nodes[key] = pair.value ?? pair.key;
    if (key === "compose") {
      const read = readComposeHealth(name, pair.value, pair.key, at, where);
      problems.push(...read.problems);
      if (read.value !== undefined) {
        out.compose = read.value.compose;
        out.composePlaces = read.value.places;
      }
    } else if ((PROBES as readonly string[]).includes(key)) {
      probes.push(key);
      const probe = readProbe(`${where}.${key}`, key, pair.value ?? pair.key, at);
      problems.push(...probe.problems);
      if (probe.value !== undefined) out.probe = probe.value;
    } else if (key === "retries") {
      const n = Number(scalarString(pair.value));
      if (!Number.isInteger(n) || n < 1 || n > 100) {
        problems.push(at.error(
          `${where}.retries must be a whole number from 1 to 100, got ${describeNode(pair.value)}`,
          pair.value ?? pair.key,
          "Write retries: 3",
        ));
      } else out.retries = n;
    } else {
      const text = scalarString(pair.value);
      const ms = text === undefined ? undefined : parseDuration(text);
      if (ms === undefined) {
        problems.push(at.error(
          `${where}.${key} must be a duration, got ${
            text === undefined ? describeNode(pair.value) : JSON.stringify(text)
          }`,
          pair.value ?? pair.key,
          `Write a number with a unit: 500ms, 2s, 1m (a bare number is seconds)`,
        ));
      } else {
        out[
          ({
            start_period: "startPeriodMs",
            interval: "intervalMs",
            timeout: "timeoutMs",
            window: "windowMs",
            settle: "settleMs",
          } as const)[key as (typeof DURATIONS)[number]]
        ] = ms;
      }
    }
  }
  if (probes.length > 1) {
    problems.push(at.error(
      `${where}: one probe only, got ${probes.join(" and ")}`,
      nodes[probes[1] ?? ""],
      "Keep one of http, tcp, command, container",
    ));
  }
  if (out.windowMs <= out.startPeriodMs) {
    problems.push(at.error(
      `${where}.window (${out.windowMs / 1000}s) must be longer than start_period (${
        out.startPeriodMs / 1000
      }s)`,
      nodes.window ?? nodes.start_period ?? value,
      "Give the service time to pass a probe after its start period",
    ));
  }
  for (const k of ["interval", "timeout"] as const) {
    if (nodes[k] !== undefined && out[k === "interval" ? "intervalMs" : "timeoutMs"] <= 0) {
      problems.push(at.error(`${where}.${k} must be more than 0`, nodes[k], `Write ${k}: 2s`));
    }
  }
  return problems.length > 0 ? { value: undefined, problems } : { value: out, problems };
}

/** `compose: { web: {…}, db: none }`: each compose service's own settings, by the same rules. */
function readComposeHealth(
  name: string,
  value: unknown,
  keyNode: unknown,
  at: EntryPlace,
  where: string,
): Read<
  {
    readonly compose: Readonly<Record<string, HealthSettings>>;
    readonly places: Readonly<Record<string, SettingPlace>>;
  } | undefined
> {
  if (!isMap(value)) {
    return {
      value: undefined,
      problems: [at.error(
        `${where}.compose must be a map of compose services, got ${describeNode(value ?? keyNode)}`,
        value ?? keyNode,
        `Write "compose:\n  web: { http: http://127.0.0.1:8080/ }\n  db: none"`,
      )],
    };
  }
  const problems: Problem[] = [];
  const out: Record<string, HealthSettings> = {};
  const places: Record<string, SettingPlace> = {};
  for (const pair of value.items) {
    const key = pairKey(pair);
    if (key === undefined || !COMPOSE_NAME.test(key)) {
      problems.push(at.error(
        `${where}.compose: ${
          JSON.stringify(key ?? describeNode(pair.key))
        } is not a compose service name`,
        pair.key,
        "Name a service of the project's compose file (letters, digits, ., _ and -)",
      ));
      continue;
    }
    const read = readHealth(name, pair.value, pair.key, at, `${where}.compose.${key}`);
    problems.push(...read.problems);
    if (read.value !== undefined) out[key] = read.value;
    const line = at.lineOf(pair.key);
    places[key] = {
      ...(at.file === undefined ? {} : { file: at.file }),
      ...(line === undefined ? {} : { line }),
    };
  }
  return problems.length > 0
    ? { value: undefined, problems }
    : { value: { compose: out, places }, problems };
}

/** One probe's value. */
function readProbe(
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

/** Builds an {@link EntryPlace} for a file (tests, other config files). */
export function entryPlace(
  file: string,
  lineOf: (node: unknown) => number | undefined,
): EntryPlace {
  return {
    file,
    lineOf,
    error: (message, node, hint) => problem("error", message, { file, line: lineOf(node), hint }),
  };
}

/**
 * Reads health settings given as plain values (the agent config's
 * `[services.<name>] health = { tcp = "127.0.0.1:5432" }`, parsed TOML) with the same rules as
 * config.yml. `lineOf` gets the key path of the value at fault (`["interval"]`, `["http", "url"]`;
 * `[]` for the whole table) and returns its line, where known.
 *
 * @example
 * ```ts
 * readHealthValue("db", { tcp: "127.0.0.1:5432" }, () => entryPlace("config.toml", () => 3))
 *   .value?.probe.kind; // "tcp"
 * ```
 */
export function readHealthValue(
  name: string,
  value: unknown,
  at: (path: readonly string[]) => EntryPlace,
): Read<HealthSettings | undefined> {
  const paths = new Map<unknown, readonly string[]>();
  const node = toNode(value, [], paths);
  const lineOf = (n: unknown) => at(paths.get(n) ?? []).lineOf(n);
  const file = at([]).file;
  const place: EntryPlace = {
    ...(file === undefined ? {} : { file }),
    lineOf,
    error: (message, n, hint) => at(paths.get(n) ?? []).error(message, n, hint),
  };
  return readHealth(name, node, node, place);
}

/** A plain value as YAML nodes, each node's key path noted in `paths`. */
function toNode(value: unknown, path: readonly string[], paths: Map<unknown, readonly string[]>) {
  let node: Scalar | YAMLMap | YAMLSeq;
  if (Array.isArray(value)) {
    node = new YAMLSeq();
    for (const v of value) node.items.push(toNode(v, path, paths));
  } else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    const map = new YAMLMap();
    for (const [k, v] of Object.entries(value)) {
      const key = new Scalar(k);
      paths.set(key, [...path, k]);
      map.items.push(new Pair(key, toNode(v, [...path, k], paths)));
    }
    node = map;
  } else node = new Scalar(value instanceof Date ? value.toISOString() : value);
  paths.set(node, path);
  return node;
}
