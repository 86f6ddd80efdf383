/**
 * YAML parsing that keeps line numbers, for error messages that name file and line.
 *
 * @module
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Document, Node, Pair } from "yaml";
import { type Problem, problem } from "../errors.ts";

/** A parsed YAML document plus a way to turn nodes into 1-based line numbers. */
export interface YamlDoc {
  readonly doc: Document.Parsed;
  readonly lineOf: (node: unknown) => number | undefined;
}

/** Parses `text`; syntax errors become problems naming `file` and the line. */
export function parseYamlDoc(
  text: string,
  file: string,
  service?: string,
): { yaml?: YamlDoc; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  const problems = doc.errors.map((e) =>
    problem("error", `invalid YAML: ${e.message.split("\n")[0]}`, {
      file,
      line: lineCounter.linePos(e.pos[0]).line,
      hint: "Fix the YAML syntax (indentation, quoting, duplicate keys)",
      service,
    })
  );
  return problems.length > 0 ? { problems } : { yaml: { doc, lineOf }, problems };
}

/** Describes a YAML node's type in words, for messages ("a list of 2", "a map"). */
export function describeNode(node: unknown): string {
  if (node === null || node === undefined) return "nothing";
  if (isSeq(node)) return `a list of ${node.items.length}`;
  if (isMap(node)) return "a map";
  if (isScalar(node)) {
    const v = node.value;
    return v === null ? "null" : typeof v === "string" ? "a string" : `a ${typeof v}`;
  }
  return "an unsupported value";
}

/** The scalar value of `node` as a string, or undefined when it is not a string/number/boolean. */
export function scalarString(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
    // Keep what the user wrote (`1.50`, `0x10`, `010`), not YAML's reading of it.
    const source = (node as { source?: unknown }).source;
    return typeof source === "string" ? source : String(v);
  }
  return undefined;
}

/** The key of a map pair as a string, if it is a scalar. */
export function pairKey(pair: Pair<unknown, unknown>): string | undefined {
  return scalarString(pair.key);
}

export type { Node };
