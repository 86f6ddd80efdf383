/**
 * Reads `health:` of a service in config.yml: `none`, or a map of one probe and its timings over
 * {@link DEFAULT_HEALTH}, with a compose project's `compose:` settings per compose service. Pure.
 *
 * @module
 */
import { isMap, isScalar } from "yaml";
import type { Problem } from "../errors.ts";
import type { EntryPlace } from "./entry_place.ts";
import { DEFAULT_HEALTH, type HealthSettings, type SettingPlace } from "./health_settings.ts";
import { parseDuration } from "./parse_duration.ts";
import type { Read } from "./read.ts";
import { readProbe } from "./read_probe.ts";
import { describeNode, pairKey, scalarString } from "./yaml_doc.ts";

const DURATIONS = ["start_period", "interval", "timeout", "window", "settle"] as const;
const PROBES = ["http", "tcp", "command", "container"] as const;
const KNOWN = [...PROBES, ...DURATIONS, "retries", "compose"];
/** A compose service name (the compose specification's pattern). */
const COMPOSE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** `health: none`, or a map of one probe and its timings. */
export function readHealth(
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
