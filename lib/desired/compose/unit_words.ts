/**
 * Writing compose values into quadlet values: systemd's `%` and `$` escaped, words quoted, and
 * compose's shell-like command strings split.
 *
 * @module
 */

/**
 * A compose value as literal unit text: `%` → `%%` (no systemd specifier) and `$` → `$$` (no
 * systemd variable), since quadlet puts most values on the generated `ExecStart=`.
 *
 * @example
 * ```ts
 * literal("pg_isready -d ${DB} 100%"); // "pg_isready -d $${DB} 100%%"
 * ```
 */
export function literal(value: string): string {
  return value.replaceAll("%", "%%").replaceAll("$", "$$$$");
}

/**
 * One word of a space-separated quadlet list (`Environment=`, `Label=`, `Exec=`…), literal and
 * quoted when it holds a space, a quote or a backslash (or is empty).
 *
 * @example
 * ```ts
 * word('A=a "b"'); // "\"A=a \\\"b\\\"\""
 * ```
 */
export function word(value: string): string {
  const lit = literal(value);
  if (lit !== "" && !/[\s"'\\]/.test(lit)) return lit;
  return `"${lit.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** Several words, each {@link word}, joined by spaces. */
export function words(values: readonly string[]): string {
  return values.map(word).join(" ");
}

/**
 * Splits a command string as compose does (POSIX shell words: quotes and backslashes, no
 * expansion). Undefined when a quote is left open.
 *
 * @example
 * ```ts
 * shellSplit(`sh -c 'echo "hi there"'`); // ["sh", "-c", 'echo "hi there"']
 * ```
 */
export function shellSplit(text: string): string[] | undefined {
  const out: string[] = [];
  let current = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return undefined;
      current += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text.charAt(j) !== '"'; j++) {
        if (text.charAt(j) === "\\" && /["\\$`]/.test(text.charAt(j + 1))) j++;
        current += text.charAt(j);
      }
      if (j >= text.length) return undefined;
      i = j;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      current += text.charAt(++i);
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(current);
      current = "";
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) out.push(current);
  return out;
}
