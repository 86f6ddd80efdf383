/**
 * Where a service entry's YAML nodes are ({@link EntryPlace}): their lines, and errors placed at
 * them. Pure.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";

/** Lines of YAML nodes, and errors placed at them (parse_host_config's `Place`). */
export interface EntryPlace {
  /** The file the nodes are read from, where known. */
  readonly file?: string;
  readonly lineOf: (node: unknown) => number | undefined;
  readonly error: (message: string, node: unknown, hint?: string) => Problem;
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
