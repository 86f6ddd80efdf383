/**
 * {@link interpolate}: the compose specification's variable syntax, pure.
 *
 * @module
 */

/** Looks a variable up; undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

/**
 * An interpolated value (with the variables used bare, `$VAR`/`${VAR}`, that were not set and so
 * became ""), or why it could not be made.
 */
export type Interpolated =
  | { readonly ok: true; readonly value: string; readonly unset: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly variable?: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS = [":-", ":?", ":+", "-", "?", "+"] as const;

/**
 * Replaces `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
 * `${VAR?message}`, `${VAR:+alt}` and `${VAR+alt}` in `text`; `$$` is a literal `$`. Defaults and
 * alternatives may themselves hold variables. A `:`-form treats an empty value as unset. A `$` not
 * followed by a name or `{` stays as it is.
 *
 * @example
 * ```ts
 * interpolate("${PORT:-80}:80 $$HOME", (n) => undefined); // { ok: true, value: "80:80 $HOME", unset: [] }
 * ```
 */
export function interpolate(text: string, lookup: Lookup): Interpolated {
  const unset: string[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text.charAt(dollar + 1);
    if (next === "$") {
      out += "$";
      i = dollar + 2;
      continue;
    }
    if (next === "{") {
      const close = matchingBrace(text, dollar + 2);
      if (close < 0) return { ok: false, message: "unclosed ${ in an interpolation" };
      const got = braced(text.slice(dollar + 2, close), lookup);
      if (!got.ok) return got;
      out += got.value;
      unset.push(...got.unset);
      i = close + 1;
      continue;
    }
    const name = NAME.exec(text.slice(dollar + 1))?.[0];
    if (name === undefined) {
      out += "$";
      i = dollar + 1;
      continue;
    }
    const value = lookup(name);
    if (value === undefined) unset.push(name);
    out += value ?? "";
    i = dollar + 1 + name.length;
  }
  return { ok: true, value: out, unset };
}

/** The index of the `}` closing a `${` whose body starts at `from`, or -1. */
function matchingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    const c = text.charAt(j);
    if (c === "$" && text.charAt(j + 1) === "$") j++;
    else if (c === "$" && text.charAt(j + 1) === "{") {
      depth++;
      j++;
    } else if (c === "}" && --depth === 0) return j;
  }
  return -1;
}

/** The value of the body of `${…}`. */
function braced(body: string, lookup: Lookup): Interpolated {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) {
    return { ok: false, message: `invalid interpolation \${${body}}: expected a variable name` };
  }
  const rest = body.slice(name.length);
  if (rest === "") {
    const value = lookup(name);
    return { ok: true, value: value ?? "", unset: value === undefined ? [name] : [] };
  }
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (op === undefined) {
    return { ok: false, message: `invalid interpolation \${${name}${rest}}`, variable: name };
  }
  const arg = rest.slice(op.length);
  const value = lookup(name);
  const unset = value === undefined || (op.startsWith(":") && value === "");
  switch (op) {
    case ":-":
    case "-":
      return unset ? interpolate(arg, lookup) : { ok: true, value, unset: [] };
    case ":+":
    case "+":
      return unset ? { ok: true, value: "", unset: [] } : interpolate(arg, lookup);
    case ":?":
    case "?": {
      if (!unset) return { ok: true, value, unset: [] };
      const message = interpolate(arg, lookup);
      const why = message.ok && message.value !== "" ? `: ${message.value}` : "";
      return { ok: false, message: `required variable ${name} is not set${why}`, variable: name };
    }
  }
}
