/**
 * `services.<name>.compose` in config.yml: the compose file of that service's folder, when it is
 * not `compose.yaml` or one of its variants (issue 11). Read from the service's entry; the agent
 * config's `[services.<name>] compose` is used where config.yml says nothing.
 *
 * @module
 */
import { isMap, isScalar, YAMLMap } from "yaml";
import type { Problem } from "../errors.ts";
import type { Read } from "./read.ts";
import type { ServiceContext } from "./service_context.ts";
import { pairKey } from "./yaml_doc.ts";

/** A compose file named in config.yml, with its line. */
export interface ComposeChoice {
  readonly file: string;
  readonly line: number | undefined;
}

/** Where a config.yml error goes. */
interface Place {
  readonly lineOf: (node: unknown) => number | undefined;
  readonly error: (message: string, node: unknown, hint?: string) => Problem;
}

/** A file name at the top of the service folder (as the agent config's `compose =`). */
const FILE_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]+$/;

/**
 * `services.<name>.compose: stack.yml`: the file (checked to be a plain file name), and the
 * entry without it for the other settings.
 *
 * @example
 * ```ts
 * readComposeChoice("web", entry, at); // { value: { file: "stack.yml", line: 3 }, problems: [], rest }
 * ```
 */
export function readComposeChoice(
  name: string,
  value: unknown,
  at: Place,
): Read<ComposeChoice | undefined> & { rest: unknown } {
  const pair = isMap(value) ? value.items.find((p) => pairKey(p) === "compose") : undefined;
  if (!isMap(value) || pair === undefined) return { value: undefined, problems: [], rest: value };
  const rest = new YAMLMap();
  rest.range = value.range ?? null;
  rest.items = value.items.filter((p) => p !== pair);
  const file = isScalar(pair.value) ? pair.value.value : undefined;
  if (typeof file !== "string" || !FILE_NAME.test(file)) {
    return {
      value: undefined,
      problems: [at.error(
        `services.${name}.compose must be a file name in the service folder, got ${
          JSON.stringify(file ?? null)
        }`,
        pair.value ?? pair.key,
        `Write "compose: stack.yml" for ${name}/stack.yml`,
      )],
      rest,
    };
  }
  return { value: { file, line: at.lineOf(pair.value) }, problems: [], rest };
}

/**
 * The service context for `name` with config.yml's choice of compose file over the agent
 * config's (`picked` remembers where it was said, for messages).
 */
export function withComposeChoice(
  ctx: ServiceContext,
  name: string,
  choice: ComposeChoice | undefined,
): ServiceContext {
  if (choice === undefined) return ctx;
  return {
    ...ctx,
    compose: {
      ...ctx.compose,
      services: { ...ctx.compose?.services, [name]: choice.file },
      picked: {
        service: name,
        file: choice.file,
        line: choice.line,
        ...(ctx.compose?.services?.[name] === undefined
          ? {}
          : { agent: ctx.compose.services[name] }),
      },
    },
  };
}
