/**
 * `<path>/<host>/config.yml`: which services run here, and the optional pre/post scripts.
 *
 * @module
 */
import { isMap, isScalar, type Pair, YAMLMap } from "yaml";
import { type Problem, problem } from "../errors.ts";
import { type ComposeChoice, readComposeChoice } from "./compose_choice.ts";
import { readServiceEntry, type ServiceEntry } from "./health_config.ts";
import { userNameError } from "./service_user.ts";
import type { Read } from "./read.ts";
import { describeNode, pairKey, parseYamlDoc, scalarString } from "./yaml_doc.ts";

/** A plain service name: it becomes part of file and unit names. */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The parsed host config. */
export interface HostConfig {
  /** Service names with the line that lists them, in file order. */
  readonly services: readonly (
    & { readonly name: string; readonly line: number | undefined }
    & ServiceEntry
    & { readonly compose?: ComposeChoice }
    & { readonly user?: { readonly name: string; readonly line: number | undefined } }
  )[];
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
  const at: Place = {
    file,
    lineOf,
    error: (message, node, hint) => problem("error", message, { file, line: lineOf(node), hint }),
  };
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    return { config: { services: [] }, problems: [] };
  }
  if (!isMap(root)) {
    const message = `config.yml must be a map, got ${describeNode(root)}`;
    return { problems: [at.error(message, root, `Start with "services:"`)] };
  }
  const problems: Problem[] = [];
  const services: HostConfig["services"][number][] = [];
  const config: { services: typeof services; pre?: string; post?: string } = { services };
  for (const pair of root.items) {
    const key = pairKey(pair);
    if (key === "services") {
      const listed = readServices(pair.value, at);
      problems.push(...listed.problems);
      services.push(...listed.value);
    } else if (key === "pre" || key === "post") {
      const script = readScript(key, pair, at);
      problems.push(...script.problems);
      if (script.value !== undefined) config[key] = script.value;
    } else {
      problems.push(at.error(
        `unknown key ${JSON.stringify(key ?? describeNode(pair.key))}`,
        pair.key,
        "config.yml knows: services, pre, post",
      ));
    }
  }
  return problems.length > 0 ? { problems } : { config, problems };
}

/** Lines of YAML nodes, and errors placed at them, in config.yml. */
interface Place {
  readonly file: string;
  readonly lineOf: (node: unknown) => number | undefined;
  readonly error: (message: string, node: unknown, hint?: string) => Problem;
}

/** `services:`, a map of plain service names to nothing (`web: {}`). */
function readServices(
  value: unknown,
  at: Place,
): Read<HostConfig["services"][number][]> {
  if (value === null || (isScalar(value) && value.value === null)) {
    return { value: [], problems: [] };
  }
  if (!isMap(value)) {
    const message = `services must be a map of service names, got ${describeNode(value)}`;
    return { value: [], problems: [at.error(message, value, "Write `services:\\n  web: {}`")] };
  }
  const problems: Problem[] = [];
  const services: HostConfig["services"][number][] = [];
  for (const svc of value.items) {
    const name = pairKey(svc);
    if (name === undefined || !SERVICE_NAME.test(name) || name === "." || name === "..") {
      problems.push(at.error(
        `invalid service name ${JSON.stringify(name ?? describeNode(svc.key))}`,
        svc.key,
        "Service names are 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit",
      ));
      continue;
    }
    const user = readUser(name, svc.value, at);
    problems.push(...user.problems);
    const compose = readComposeChoice(name, user.rest, at);
    problems.push(...compose.problems);
    const entry = readServiceEntry(name, compose.rest, at);
    problems.push(...entry.problems);
    services.push({
      name,
      line: at.lineOf(svc.key),
      ...entry.value,
      ...(user.value === undefined ? {} : { user: user.value }),
      ...(compose.value === undefined ? {} : { compose: compose.value }),
    });
  }
  return { value: services, problems };
}

/**
 * `services.<name>.user`: the account the service runs as (validated here, looked up at apply),
 * and the entry without it for the other settings.
 */
function readUser(
  name: string,
  value: unknown,
  at: Place,
): Read<{ name: string; line: number | undefined } | undefined> & { rest: unknown } {
  const pair = isMap(value) ? value.items.find((p) => pairKey(p) === "user") : undefined;
  if (!isMap(value) || pair === undefined) return { value: undefined, problems: [], rest: value };
  const rest = new YAMLMap();
  rest.range = value.range ?? null;
  rest.items = value.items.filter((p) => p !== pair);
  const user = isScalar(pair.value) ? pair.value.value : undefined;
  const why = userNameError(user);
  if (why !== undefined) {
    const hint = `Write "user: svc-${name}": an account that exists on the host and lingers`;
    return {
      value: undefined,
      problems: [at.error(`services.${name}.user ${why}`, pair.value ?? pair.key, hint)],
      rest,
    };
  }
  return { value: { name: String(user), line: at.lineOf(pair.value) }, problems: [], rest };
}

/** `pre:` or `post:`, a map with one string `script`. */
function readScript(
  key: "pre" | "post",
  pair: Pair<unknown, unknown>,
  at: Place,
): Read<string | undefined> {
  const value = pair.value;
  const script = isMap(value) ? value.items.find((p) => pairKey(p) === "script") : undefined;
  const extra = isMap(value) ? value.items.find((p) => pairKey(p) !== "script") : undefined;
  const text = script ? scalarString(script.value) : undefined;
  if (!isMap(value) || extra || text === undefined) {
    const found = at.error(
      `${key} must be a map with one string "script", got ${
        extra ? `key ${JSON.stringify(pairKey(extra))}` : describeNode(script?.value ?? value)
      }`,
      extra?.key ?? script?.value ?? value ?? pair.key,
      `Write "${key}:\\n  script: |\\n    mkdir -p /srv/data"`,
    );
    return { value: undefined, problems: [found] };
  }
  return { value: text, problems: [] };
}
