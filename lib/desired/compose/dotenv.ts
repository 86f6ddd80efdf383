/**
 * {@link parseDotenv}: a compose project's `.env` file → variables for interpolation, pure.
 *
 * @module
 */
import { type Problem, problem } from "../../errors.ts";
import { interpolate, type Lookup } from "./interpolate.ts";

/**
 * Reads `NAME=value` lines as compose does for its `.env` file: `#` comments and blank lines
 * skipped, an optional `export `, values unquoted (an inline ` #` starts a comment), `'single'`
 * (literal) or `"double"` quoted (`\n`, `\t`, `\"`, `\\` escapes). Unquoted and double-quoted
 * values are interpolated with the variables read so far and then `outer`. A line that is not an
 * assignment is an error naming its line; values never appear in messages. `lines` has the line
 * that set each variable last.
 *
 * @example
 * ```ts
 * parseDotenv("A=1\nB=${A}2 # note\n", ".env", () => undefined).vars; // Map { A → "1", B → "12" }
 * ```
 */
export function parseDotenv(
  text: string,
  file: string,
  outer: Lookup,
): { vars: Map<string, string>; lines: Map<string, number>; problems: Problem[] } {
  const vars = new Map<string, string>();
  const lines = new Map<string, number>();
  const problems: Problem[] = [];
  const lookup: Lookup = (n) => vars.get(n) ?? outer(n);
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      problems.push(problem("error", "not a NAME=value line", {
        file,
        line: i + 1,
        hint: "Write one NAME=value per line; start comments with #",
      }));
      return;
    }
    const [, name = "", rest = ""] = m;
    const value = dotenvValue(rest, lookup);
    if (!value.ok) {
      problems.push(problem("error", `${name}: ${value.message}`, { file, line: i + 1 }));
      return;
    }
    vars.set(name, value.value);
    lines.set(name, i + 1);
  });
  return { vars, lines, problems };
}

function dotenvValue(
  rest: string,
  lookup: Lookup,
): { ok: true; value: string } | { ok: false; message: string } {
  if (rest.startsWith("'")) {
    const end = rest.indexOf("'", 1);
    return end < 0
      ? { ok: false, message: "unclosed single quote" }
      : { ok: true, value: rest.slice(1, end) };
  }
  let body = rest;
  if (rest.startsWith('"')) {
    let end = 1;
    while (end < rest.length && rest.charAt(end) !== '"') end += rest.charAt(end) === "\\" ? 2 : 1;
    if (end >= rest.length) return { ok: false, message: "unclosed double quote" };
    body = rest.slice(1, end).replace(
      /\\(.)/g,
      (_, c: string) => ({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[c] ?? c,
    );
  } else {
    body = rest.replace(/\s+#.*$/, "").trim();
  }
  const value = interpolate(body, lookup);
  return value.ok ? { ok: true, value: value.value } : { ok: false, message: value.message };
}
