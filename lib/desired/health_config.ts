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
 * A service entry is read here ({@link readServiceEntry}); its `health:` by `read_health.ts`
 * (each probe by `read_probe.ts`), into the settings of `health_settings.ts`.
 *
 * @module
 */
import { isMap, isScalar } from "yaml";
import type { Problem } from "../errors.ts";
import type { EntryPlace } from "./entry_place.ts";
import type { HealthSettings } from "./health_settings.ts";
import { type ProxyUrl, readUrls } from "./proxy_urls.ts";
import type { Read } from "./read.ts";
import { readHealth } from "./read_health.ts";
import { readUpdatePolicy, type UpdatePolicy } from "../images/update_policy.ts";
import { describeNode, pairKey, scalarString } from "./yaml_doc.ts";

/** A service entry's settings in config.yml. */
export interface ServiceEntry {
  readonly health?: HealthSettings;
  /** `urls`: hostnames the reverse-proxy snippet routes to its containers (`proxy_urls.ts`). */
  readonly urls?: readonly ProxyUrl[];
  /** `images`: when its images may change outside Git (`pinned`, `manual`, `auto`). */
  readonly images?: UpdatePolicy;
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
