/**
 * Reading and writing systemd/quadlet unit text: the few rules hoist relies on.
 *
 * @module
 */

/** A quadlet/systemd option name. */
export const QUADLET_KEY = /^[A-Za-z][A-Za-z0-9]*$/;

/** A `[Section]` header line. */
const SECTION_LINE = /^\s*\[([^\]]+)\]\s*$/;

/**
 * Why `value` cannot be written as one `Key=value` line, or undefined when it can.
 * A newline would add lines the manifest never had; a trailing backslash would swallow the next one.
 */
export function checkQuadletValue(value: string): string | undefined {
  if (/[\n\r]/.test(value)) return "value contains a line break";
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) return "value contains a control character";
  if (value.endsWith("\\")) {
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

/**
 * Parses unit text into its entries (continuation lines joined, comments skipped).
 *
 * @example
 * ```ts
 * unitEntries("[Unit]\nRequires=a.service\n")[0]; // {section:"Unit", key:"Requires", value:"a.service", line:2}
 * ```
 */
export function unitEntries(text: string): UnitEntry[] {
  const out: UnitEntry[] = [];
  const lines = text.split("\n");
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = (lines[i] ?? "").replace(/\r$/, "");
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    const header = SECTION_LINE.exec(line);
    if (header) {
      section = header[1] ?? "";
      continue;
    }
    while (line.endsWith("\\") && i + 1 < lines.length) {
      line = line.slice(0, -1) + " " + (lines[++i] ?? "").replace(/\r$/, "");
    }
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    out.push({
      section,
      key: line.slice(0, eq).trim(),
      value: line.slice(eq + 1).trim(),
      line: start + 1,
    });
  }
  return out;
}

/** Names of the `[Section]` headers of `text`, in order, with 1-based lines. */
export function unitSections(text: string): { name: string; line: number }[] {
  const out: { name: string; line: number }[] = [];
  text.split("\n").forEach((line, i) => {
    const m = SECTION_LINE.exec(line);
    if (m) out.push({ name: m[1] ?? "", line: i + 1 });
  });
  return out;
}

/**
 * Inserts `lines` right after the first `[section]` header (a header line cannot be continued,
 * so the new lines never join a previous value).
 */
export function injectAfterHeader(text: string, section: string, lines: readonly string[]): string {
  const all = text.split("\n");
  const at = all.findIndex((l) => SECTION_LINE.exec(l)?.[1] === section);
  if (at < 0) return text;
  all.splice(at + 1, 0, ...lines);
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
