/**
 * {@link composeTree}: compose YAML → a small positioned tree, aliases and merge keys resolved
 * under a budget, every string interpolated.
 *
 * @module
 */
import { isAlias, isMap, isScalar, isSeq } from "yaml";
import type { Document, Pair } from "yaml";
import { type Problem, problem } from "../../errors.ts";
import { parseYamlDoc, scalarString } from "../yaml_doc.ts";
import { interpolate, type Lookup } from "./interpolate.ts";

/** A value of the compose file, with the 1-based line it starts on. */
export type CNode =
  | { readonly kind: "map"; readonly line: number; readonly entries: readonly CEntry[] }
  | { readonly kind: "seq"; readonly line: number; readonly items: readonly CNode[] }
  | {
    readonly kind: "scalar";
    readonly line: number;
    /** What YAML read: a string (interpolated), a number, a boolean, or null. */
    readonly value: string | number | boolean | null;
    /** The value as text: the interpolated string, or a number/boolean as written, "" for null. */
    readonly text: string;
  };

/** One `key: value` of a map. */
export interface CEntry {
  readonly key: string;
  readonly line: number;
  readonly value: CNode;
  /** The compose file it comes from when not the one being converted (`extends: {file:}`). */
  readonly file?: string;
}

/**
 * How many nodes one file may expand to, aliases counted each time they are used: far above any
 * real compose file (1 000 services of 50 values each), far below an alias bomb.
 */
export const MAX_COMPOSE_NODES = 100_000;

/** What reading the tree needs. */
export interface TreeOptions {
  readonly file: string;
  readonly service?: string;
  /** Variables for interpolation. */
  readonly lookup: Lookup;
  /** Unset variables (and `${VAR}` left empty) are warnings, not errors (`hoist validate`). */
  readonly offline?: boolean;
}

/**
 * Parses `text` and builds its tree: `<<` merge keys applied (keys written in the map win over
 * merged ones, earlier merged maps over later ones), aliases expanded, strings interpolated
 * (top-level `x-` extensions are left as they are; what they hold is interpolated where an
 * alias uses it). Problems name the file and line; an alias bomb is one error.
 *
 * @example
 * ```ts
 * const { value } = composeTree("services:\n  web:\n    image: ${IMG:-caddy}\n", { file: "c.yml", lookup: () => undefined });
 * ```
 */
export function composeTree(
  text: string,
  opts: TreeOptions,
): { value?: CNode; problems: Problem[] } {
  const parsed = parseYamlDoc(text, opts.file, opts.service);
  if (!parsed.yaml) return { problems: parsed.problems };
  const { doc, lineOf } = parsed.yaml;
  const problems: Problem[] = [];
  let budget = MAX_COMPOSE_NODES;
  const fail = (message: string, line: number | undefined, hint?: string) =>
    problems.push(
      problem("error", message, { file: opts.file, line, hint, service: opts.service }),
    );
  const unsetSeen = new Set<string>();

  const build = (node: unknown, depth: number, top: boolean, seen: readonly unknown[]): CNode => {
    if (--budget < 0) throw new BudgetExceeded();
    const line = lineOf(node) ?? 1;
    if (isAlias(node)) {
      const target = node.resolve(doc as Document);
      if (target === undefined || seen.includes(target)) {
        fail(`alias *${node.source} does not resolve`, line);
        return { kind: "scalar", line, value: null, text: "" };
      }
      return build(target, depth, top, [...seen, target]);
    }
    if (depth > 64) {
      fail("nesting is too deep", line);
      return { kind: "scalar", line, value: null, text: "" };
    }
    if (isMap(node)) return buildMap(node.items, line, depth, top, seen);
    if (isSeq(node)) {
      return { kind: "seq", line, items: node.items.map((n) => build(n, depth + 1, false, seen)) };
    }
    if (isScalar(node)) return scalar(node.value, scalarString(node) ?? "", line);
    fail("unsupported YAML value", line);
    return { kind: "scalar", line, value: null, text: "" };
  };

  /** A map's entries in the order written, each `<<` replaced by what it merges. */
  const buildMap = (
    pairs: readonly Pair<unknown, unknown>[],
    line: number,
    depth: number,
    top: boolean,
    seen: readonly unknown[],
  ): CNode => {
    const parts: (CEntry | CEntry[])[] = [];
    for (const pair of pairs) {
      const key = isScalar(pair.key) ? scalarString(pair.key) : undefined;
      const keyLine = lineOf(pair.key) ?? line;
      if (key === undefined) fail("map keys must be plain strings", keyLine);
      else if (key === "<<") {
        parts.push(mergeSources(build(pair.value, depth + 1, false, seen), keyLine));
      } else if (top && key.startsWith("x-") && key !== "x-hoist") {
        parts.push({ key, line: keyLine, value: { kind: "map", line: keyLine, entries: [] } });
      } else {
        const value = pair.value === null || pair.value === undefined
          ? { kind: "scalar" as const, line: keyLine, value: null, text: "" }
          : build(pair.value, depth + 1, false, seen);
        parts.push({ key, line: keyLine, value });
      }
    }
    // keys written in the map win over merged ones; of merged maps, the first one wins
    const own = new Set(parts.flatMap((p) => Array.isArray(p) ? [] : [p.key]));
    const taken = new Set<string>();
    const entries: CEntry[] = [];
    for (const p of parts) {
      for (const e of Array.isArray(p) ? p : [p]) {
        if ((Array.isArray(p) && own.has(e.key)) || taken.has(e.key)) continue;
        taken.add(e.key);
        entries.push(e);
      }
    }
    return { kind: "map", line, entries };
  };

  const mergeSources = (value: CNode, line: number): CEntry[] => {
    const maps = value.kind === "seq" ? value.items : [value];
    if (maps.some((m) => m.kind !== "map")) {
      fail("<< merges maps only", line, "Write <<: *anchor (or a list of anchors of maps)");
    }
    return maps.flatMap((m) => m.kind === "map" ? m.entries : []);
  };

  const scalar = (value: unknown, source: string, line: number): CNode => {
    if (value === null || value === undefined) {
      return { kind: "scalar", line, value: null, text: "" };
    }
    if (typeof value !== "string") {
      if (typeof value === "number" || typeof value === "boolean") {
        return { kind: "scalar", line, value, text: source };
      }
      return { kind: "scalar", line, value: source, text: source };
    }
    const got = interpolate(value, opts.lookup);
    if (!got.ok) {
      fail(
        got.message,
        line,
        got.variable ? `Set ${got.variable} in .env or hoist's environment` : undefined,
      );
      return { kind: "scalar", line, value: "", text: "" };
    }
    for (const name of got.unset) {
      if (unsetSeen.has(`${name}:${line}`)) continue;
      unsetSeen.add(`${name}:${line}`);
      problems.push(problem(opts.offline ? "warning" : "error", `variable ${name} is not set`, {
        file: opts.file,
        line,
        service: opts.service,
        hint:
          `Set ${name} in the project's .env or hoist's environment, or write \${${name}:-default}`,
      }));
    }
    return { kind: "scalar", line, value: got.value, text: got.value };
  };

  try {
    const root = build(doc.contents, 0, true, []);
    return { value: root, problems };
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    return {
      problems: [problem("error", `the file expands to more than ${MAX_COMPOSE_NODES} values`, {
        file: opts.file,
        service: opts.service,
        hint: "Aliases that nest other aliases multiply; write the values out or use fewer levels",
      })],
    };
  }
}

class BudgetExceeded extends Error {}
