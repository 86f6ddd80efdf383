/**
 * `<path>/<host>/config.yml`: which services run here, and the optional pre/post scripts.
 *
 * @module
 */
import { isMap, isScalar } from "yaml";
import { type Problem, problem } from "../errors.ts";
import { describeNode, pairKey, parseYamlDoc, scalarString } from "./yaml_doc.ts";

/** A plain service name: it becomes part of file and unit names. */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The parsed host config. */
export interface HostConfig {
  /** Service names with the line that lists them, in file order. */
  readonly services: readonly { readonly name: string; readonly line: number | undefined }[];
  readonly pre?: string;
  readonly post?: string;
}

/**
 * Parses config.yml. Unknown keys, wrong types and bad service names are errors naming the line.
 *
 * @example
 * ```ts
 * parseHostConfig("services:\n  web: {}\n", "gitops/h/config.yml").config?.services[0]?.name; // "web"
 * ```
 */
export function parseHostConfig(
  text: string,
  file: string,
): { config?: HostConfig; problems: Problem[] } {
  const parsed = parseYamlDoc(text, file);
  if (!parsed.yaml) return { problems: parsed.problems };
  const { doc, lineOf } = parsed.yaml;
  const problems: Problem[] = [];
  const err = (message: string, node: unknown, hint?: string) =>
    problems.push(problem("error", message, { file, line: lineOf(node), hint }));
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    return { config: { services: [] }, problems };
  }
  if (!isMap(root)) {
    err(`config.yml must be a map, got ${describeNode(root)}`, root, `Start with "services:"`);
    return { problems };
  }
  const services: { name: string; line: number | undefined }[] = [];
  const config: { services: typeof services; pre?: string; post?: string } = { services };
  for (const pair of root.items) {
    const key = pairKey(pair);
    if (key === "services") {
      if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue;
      if (!isMap(pair.value)) {
        err(
          `services must be a map of service names, got ${describeNode(pair.value)}`,
          pair.value,
          "Write `services:\\n  web: {}`",
        );
        continue;
      }
      for (const svc of pair.value.items) {
        const name = pairKey(svc);
        if (name === undefined || !SERVICE_NAME.test(name) || name === "." || name === "..") {
          err(
            `invalid service name ${JSON.stringify(name ?? describeNode(svc.key))}`,
            svc.key,
            "Service names are 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit",
          );
          continue;
        }
        const v = svc.value;
        const empty = v === null || (isScalar(v) && v.value === null) ||
          (isMap(v) && v.items.length === 0);
        if (!empty) {
          const first = isMap(v) ? v.items[0] : undefined;
          const at = isMap(v) ? first?.key : v;
          err(
            `services.${name}: unknown settings ${
              first ? JSON.stringify(pairKey(first)) : describeNode(v)
            }`,
            at,
            `Write "${name}: {}"; a service is configured by its folder`,
          );
          continue;
        }
        services.push({ name, line: lineOf(svc.key) });
      }
    } else if (key === "pre" || key === "post") {
      const value = pair.value;
      const script = isMap(value) ? value.items.find((p) => pairKey(p) === "script") : undefined;
      const extra = isMap(value) ? value.items.find((p) => pairKey(p) !== "script") : undefined;
      const text = script ? scalarString(script.value) : undefined;
      if (!isMap(value) || extra || text === undefined) {
        err(
          `${key} must be a map with one string "script", got ${
            extra ? `key ${JSON.stringify(pairKey(extra))}` : describeNode(script?.value ?? value)
          }`,
          extra?.key ?? script?.value ?? value ?? pair.key,
          `Write "${key}:\\n  script: |\\n    mkdir -p /srv/data"`,
        );
        continue;
      }
      config[key] = text;
    } else {
      err(
        `unknown key ${JSON.stringify(key ?? describeNode(pair.key))}`,
        pair.key,
        "config.yml knows: services, pre, post",
      );
    }
  }
  return problems.length > 0 ? { problems } : { config, problems };
}
