/**
 * Reading and writing systemd/quadlet unit text the way podman 5.4's quadlet generator reads it
 * (`pkg/systemd/parser/unitfile.go`; see docs/quadlet_parsing.md §1): only LF splits lines, every
 * line is trimmed with Go's `unicode.IsSpace` set, a trimmed line ending in `\` continues (one `\`
 * dropped, nothing added), blank and comment lines inside a continuation are skipped without
 * ending it, and a continuation still open at the end is dropped.
 *
 * @module
 */

/** A quadlet/systemd option name. */
export const QUADLET_KEY = /^[A-Za-z][A-Za-z0-9]*$/;

/** A section name hoist accepts in a raw unit: letters, digits and `-` (`X-Custom`). */
const SECTION_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/** Go's `unicode.IsSpace`: what quadlet trims off both ends of every line. */
const GO_SPACE = "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" +
  "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
/** What quadlet strips off the end of a key and the start of a value (ASCII only in valid UTF-8). */
const ASCII_SPACE = "\t\n\v\f\r ";

/** Characters that look like nothing but change how a line reads: non-ASCII spaces, BOM, ZWSP. */
const INVISIBLE = /[\u0085\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff\u180e]/;

function trimStartOf(s: string, set: string): string {
  let i = 0;
  while (i < s.length && set.includes(s.charAt(i))) i++;
  return s.slice(i);
}

function trimEndOf(s: string, set: string): string {
  let j = s.length;
  while (j > 0 && set.includes(s.charAt(j - 1))) j--;
  return s.slice(0, j);
}

/** `s` trimmed at both ends as Go's `strings.TrimSpace` does (not JavaScript's `trim`). */
export function goTrim(s: string): string {
  return trimStartOf(trimEndOf(s, GO_SPACE), GO_SPACE);
}

/** True when quadlet would continue this line: its Go-trimmed end is a backslash. */
export function continuesLine(line: string): boolean {
  return trimEndOf(line, GO_SPACE).endsWith("\\");
}

/**
 * Why `value` cannot be written as one `Key=value` line, or undefined when it can.
 * A newline would add lines the manifest never had; a trailing backslash (also before trailing
 * spaces, tabs or NBSP, which quadlet trims first) would swallow the next one.
 */
export function checkQuadletValue(value: string): string | undefined {
  if (/[\n\r]/.test(value)) return "value contains a line break";
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) return "value contains a control character";
  if (continuesLine(value)) {
    return "value ends with a backslash (a line continuation in unit files)";
  }
  return undefined;
}

/** One logical `Key=value` of a unit file, with its 1-based line. */
export interface UnitEntry {
  readonly section: string;
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** One logical line as quadlet classifies it, with the 1-based physical line it starts on. */
type LogicalLine =
  | { readonly kind: "section"; readonly name: string; readonly line: number }
  | { readonly kind: "entry"; readonly key: string; readonly value: string; readonly line: number }
  | { readonly kind: "invalid"; readonly text: string; readonly line: number };

function isComment(trimmed: string): boolean {
  return trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";");
}

/** A trimmed logical line as a header, an entry, or neither (`parseLine` in unitfile.go). */
function classify(text: string, line: number): LogicalLine {
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    const rest = end < 0 ? "x" : text.slice(end + 1);
    const name = end < 0 ? "" : text.slice(1, end);
    // deno-lint-ignore no-control-regex
    const valid = name !== "" && !name.includes("[") && !/[\x00-\x1f\x7f-\x9f]/.test(name);
    return /^[ \t]*$/.test(rest) && valid
      ? { kind: "section", name, line }
      : { kind: "invalid", text, line };
  }
  const eq = text.indexOf("=");
  if (eq <= 0) return { kind: "invalid", text, line };
  return {
    kind: "entry",
    key: trimEndOf(text.slice(0, eq), ASCII_SPACE),
    value: trimStartOf(text.slice(eq + 1), ASCII_SPACE),
    line,
  };
}

/** The logical lines of unit text, continuation lines joined exactly as quadlet joins them. */
function logicalLines(text: string): LogicalLine[] {
  const lines = (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
  const out: LogicalLine[] = [];
  let pending = "";
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = goTrim(lines[i] ?? "");
    if (isComment(trimmed)) continue; // also inside a continuation, which it does not end
    if (pending === "") start = i + 1;
    if (trimmed.endsWith("\\") && i + 1 < lines.length) {
      pending += trimmed.slice(0, -1);
      continue;
    }
    const joined = pending + (trimmed.endsWith("\\") ? trimmed.slice(0, -1) : trimmed);
    pending = "";
    out.push(classify(joined, start));
  }
  return out; // a continuation still pending here is dropped, as quadlet drops it
}

/**
 * Parses unit text into its entries as quadlet reads them (continuation lines joined with
 * nothing between, comments skipped); lines quadlet would reject are left out (see
 * {@link unitSyntaxProblems}).
 *
 * @example
 * ```ts
 * unitEntries("[Unit]\nRequires=a.service\n")[0]; // {section:"Unit", key:"Requires", value:"a.service", line:2}
 * ```
 */
export function unitEntries(text: string): UnitEntry[] {
  const out: UnitEntry[] = [];
  let section = "";
  for (const l of logicalLines(text)) {
    if (l.kind === "section") section = l.name;
    else if (l.kind === "entry") out.push({ section, key: l.key, value: l.value, line: l.line });
  }
  return out;
}

/** Names of the `[Section]` headers of `text` as quadlet reads them, in order, with 1-based lines. */
export function unitSections(text: string): { name: string; line: number }[] {
  return logicalLines(text).flatMap((l) =>
    l.kind === "section" ? [{ name: l.name, line: l.line }] : []
  );
}

/** One reason a raw unit cannot be deployed as it is, at its 1-based line. */
export interface UnitSyntaxProblem {
  readonly line: number;
  readonly message: string;
}

/**
 * What hoist refuses in a raw unit file before the generator sees it, so that hoist and quadlet
 * (and systemd, which reads the generated service differently) can only read it one way: any line
 * whose trimmed end is a backslash (no continuations at all), control characters, invisible or
 * non-ASCII spaces and byte-order marks, a line that is neither a header, a `Key=value` nor a
 * comment, a key before the first header, and keys or section names that are not plain names.
 *
 * @example
 * ```ts
 * unitSyntaxProblems("[Container]\nImage=a \\\t\n"); // [{ line: 2, message: "line ends with a backslash …" }]
 * ```
 */
export function unitSyntaxProblems(text: string): UnitSyntaxProblem[] {
  const out: UnitSyntaxProblem[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = i + 1;
    const body = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    // deno-lint-ignore no-control-regex
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(body)) {
      out.push({ line, message: "line contains a control character" });
    } else if (INVISIBLE.test(body)) {
      out.push({
        line,
        message: "line contains an invisible or non-ASCII space (NBSP, U+2028, a BOM…)",
      });
    } else if (continuesLine(body)) {
      out.push({
        line,
        message: "line ends with a backslash (a line continuation; hoist does not accept them)",
      });
    }
  });
  if (out.length > 0) return out;
  let seenSection = false;
  for (const l of logicalLines(text)) {
    if (l.kind === "invalid") {
      out.push({
        line: l.line,
        message: `${JSON.stringify(l.text)} is not a [Section] header, Key=value or comment`,
      });
    } else if (l.kind === "section") {
      seenSection = true;
      if (!SECTION_NAME.test(l.name)) {
        out.push({ line: l.line, message: `invalid section name ${JSON.stringify(l.name)}` });
      }
    } else if (!seenSection) {
      out.push({ line: l.line, message: `${l.key}= comes before the first [Section] header` });
    } else if (!QUADLET_KEY.test(l.key)) {
      out.push({ line: l.line, message: `invalid key ${JSON.stringify(l.key)}` });
    }
  }
  return out;
}

/**
 * Inserts `lines` right after the first `[section]` header as quadlet reads the text (a header
 * line cannot be continued, so the new lines never join a previous value).
 */
export function injectAfterHeader(text: string, section: string, lines: readonly string[]): string {
  const all = text.split("\n");
  // the first header quadlet sees that is one physical line (not joined from a continuation)
  const header = unitSections(text).find((s) =>
    s.name === section && goTrim(all[s.line - 1] ?? "") === `[${section}]`
  );
  if (header === undefined) return text;
  all.splice(header.line, 0, ...lines);
  return all.join("\n");
}

/** Renders sections to unit text: `[Name]` then `Key=value` lines, a blank line between sections. */
export function renderUnitText(
  sections: readonly { name: string; lines: readonly (readonly [string, string])[] }[],
): string {
  return sections
    .map((s) => [`[${s.name}]`, ...s.lines.map(([k, v]) => `${k}=${v}`)].join("\n"))
    .join("\n\n") + "\n";
}
