/**
 * hoist's two container labels, and refusing repositories that try to set them.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";

/** Labels hoist puts on every container; a repository may not set them itself. */
export const SERVICE_LABEL = "gitops-service";
/** The label with the service's content hash (see {@link SERVICE_LABEL}). */
export const HASH_LABEL = "gitops-hash";

/**
 * True when a `Key=value` could set a label of hoist's: `Label=` naming one of them (in any word
 * of its space-separated, quotable list), any backslash in `Label=` (quadlet C-unescapes it, so
 * `gitops\x2dhash` would get through), and `--label`/`-l` in `PodmanArgs=`.
 */
export function setsReservedLabel(key: string, value: string): boolean {
  if (key === "Label") return value.includes("\\") || isReservedLabel(value);
  if (key === "PodmanArgs") return splitWords(value).some((w) => /^(--label(=|$)|-l)/.test(w));
  return false;
}

/** True when any `key=value` word of a `Label=` value (a space-separated, quotable list) is hoist's. */
export function isReservedLabel(value: string): boolean {
  return splitWords(value).some((word) => {
    const key = word.split("=")[0]?.trim();
    return key === SERVICE_LABEL || key === HASH_LABEL;
  });
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

/** The error for a `Label=`/`PodmanArgs=` at `file:line` that would set one of hoist's labels. */
export function reservedLabelProblem(
  file: string,
  line: number | undefined,
  service: string,
): Problem {
  return problem("error", `labels ${SERVICE_LABEL} and ${HASH_LABEL} are set by hoist`, {
    file,
    line,
    service,
    hint:
      "Remove that Label (labels may not use backslash escapes, PodmanArgs may not add --label); " +
      "hoist adds its own with the right value",
  });
}
