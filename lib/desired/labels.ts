/**
 * hoist's container labels, and refusing repositories that try to set them in any spelling
 * quadlet, systemd or podman understands (docs/quadlet_parsing.md §2–3).
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";

/** Labels hoist puts on every container; a repository may not set them itself. */
export const SERVICE_LABEL = "gitops-service";
/** The label with the service's content hash (see {@link SERVICE_LABEL}). */
export const HASH_LABEL = "gitops-hash";
/**
 * The label with a compose service's own hash (`UnitGroup.hash`), on the containers of compose
 * projects only: hoist restarts a container when it changes, not for the project's hash.
 */
export const UNIT_HASH_LABEL = "gitops-unit-hash";
/** Every label key starting with this is hoist's. */
export const RESERVED_LABEL_PREFIX = "gitops-";

/**
 * Short flags of `podman run`/`create` (podman 5.4, `cmd/podman/common/create.go`) that take a
 * value: in a cluster such as `-el`, the rest of the cluster is that value, not more flags.
 * The others (`-d -i -t -P -q`) are booleans and may be chained before `-l`.
 */
const VALUE_SHORT_FLAGS = new Set(["a", "c", "e", "h", "l", "m", "p", "u", "v", "w"]);

/**
 * True when a `Key=value` could set a label of hoist's (see {@link labelRefusal}).
 */
export function setsReservedLabel(key: string, value: string): boolean {
  return labelRefusal(key, value) !== undefined;
}

/**
 * Why `key=value` could set (or reset) a container label hoist owns, or undefined when it cannot:
 * - `Label=`: empty (it clears every label before it, hoist's included); any backslash (quadlet
 *   C-unescapes, so `gitops\x2dhash` would get through); a key starting with `gitops-`, or holding
 *   `%` or `$` (systemd expands `gitops-hash%i` to `gitops-hash`, `${K}` to anything);
 * - `PodmanArgs=`: `--label`, `--label-file`, `-l` alone or in a cluster of short flags
 *   (`-il`, `-tl=…`), `%`/`$` in a flag's name or at the start of a word (`-%il`, `$FLAGS`), as
 *   podman's flag parser (pflag) reads the words quadlet passes.
 */
export function labelRefusal(key: string, value: string): string | undefined {
  if (key === "Label") {
    if (value.trim() === "") return "an empty Label= clears every label before it";
    if (value.includes("\\")) return "labels may not use backslash escapes";
    return (splitArgs(value) ?? []).some((w) => labelKeyUnsafe(labelKey(w)))
      ? "gitops-* labels are hoist's, and label keys may not use % or $"
      : undefined;
  }
  if (key === "PodmanArgs") {
    const words = splitArgs(value);
    return words !== undefined && words.some(wordSetsLabel)
      ? "PodmanArgs may not add labels (--label, --label-file, -l)"
      : undefined;
  }
  return undefined;
}

/** The key of a `key=value` label word (the whole word when it has no `=`). */
function labelKey(word: string): string {
  const eq = word.indexOf("=");
  return eq < 0 ? word : word.slice(0, eq);
}

/** True for a label key hoist owns, or one systemd could expand into anything. */
export function labelKeyUnsafe(key: string): boolean {
  return key.startsWith(RESERVED_LABEL_PREFIX) || /[%$]/.test(key);
}

/** True when a podman argument can set a label, read the way pflag reads it. */
function wordSetsLabel(word: string): boolean {
  if (/^[%$]/.test(word)) return true; // %i-l, $FLAGS: systemd may turn it into a flag
  if (word.startsWith("--")) {
    const name = labelKey(word.slice(2));
    return name === "label" || name === "label-file" || /[%$]/.test(name);
  }
  if (!word.startsWith("-") || word.length < 2) return false;
  for (const c of word.slice(1)) {
    if (c === "l" || c === "%" || c === "$") return true;
    if (VALUE_SHORT_FLAGS.has(c)) return false; // the rest is this flag's value
  }
  return false;
}

/** Splits a systemd-style list: words separated by whitespace, "double" or 'single' quotes kept together. */
export function splitWords(value: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && i + 1 < value.length) current += value[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += c === "\\" && i + 1 < value.length ? value[++i] : c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
  s: " ",
};

/** One C escape at `value[i]` (after the backslash): the text and its length, or undefined. */
function cUnescape(value: string, i: number): { text: string; length: number } | undefined {
  const c = value.charAt(i);
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { text: simple, length: 1 };
  const hex = (n: number) => {
    const digits = value.slice(i + 1, i + 1 + n);
    return digits.length === n && /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : -1;
  };
  const code = c === "x"
    ? { cp: hex(2), length: 3 }
    : c === "u"
    ? { cp: hex(4), length: 5 }
    : c === "U"
    ? { cp: hex(8), length: 9 }
    : /^[0-7]{3}$/.test(value.slice(i, i + 3))
    ? { cp: parseInt(value.slice(i, i + 3), 8), length: 3 }
    : undefined;
  if (code === undefined || code.cp <= 0 || code.cp > 0x10ffff) return undefined;
  if (c !== "x" && c !== "u" && c !== "U" && code.cp > 255) return undefined;
  return { text: String.fromCodePoint(code.cp), length: code.length };
}

/**
 * Splits a value into words as quadlet does for `PodmanArgs=`, `Label=`, `Exec=`, … (`SplitRelax |
 * SplitUnquote | SplitCUnescape`, ported from systemd's `extract_first_word`) and as systemd reads
 * a generated `ExecStart=`: separators are space, tab, CR and LF only; quotes open anywhere and
 * are removed (an unbalanced one runs to the end); C escapes are decoded inside and outside
 * quotes; a NUL ends the input. An unknown escape makes quadlet drop the whole value: undefined.
 *
 * @example
 * ```ts
 * splitArgs(`--l\\x61bel "a b" x'y'`); // ["--label", "a b", "xy"]
 * ```
 */
export function splitArgs(value: string): string[] | undefined {
  const nul = value.indexOf("\0");
  const input = nul < 0 ? value : value.slice(0, nul);
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < input.length; i++) {
    const c = input.charAt(i);
    if (c === "\\") {
      if (i + 1 >= input.length) break; // a trailing backslash is dropped
      const esc = cUnescape(input, i + 1);
      if (esc === undefined) return undefined;
      current += esc.text;
      inWord = true;
      i += esc.length;
    } else if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (" \t\r\n".includes(c)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** The error for a `Label=`/`PodmanArgs=` at `file:line` that would set one of hoist's labels. */
export function reservedLabelProblem(
  file: string,
  line: number | undefined,
  service: string,
  reason?: string,
): Problem {
  return problem("error", `labels ${SERVICE_LABEL} and ${HASH_LABEL} are set by hoist`, {
    file,
    line,
    service,
    hint: (reason === undefined ? "" : `${reason}. `) +
      "Remove that Label (labels may not use backslash escapes, % or $ in keys, or gitops-* " +
      "keys; PodmanArgs may not add --label, -l or --label-file); " +
      "hoist adds its own with the right value",
  });
}
