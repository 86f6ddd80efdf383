/**
 * What a compose service runs and with which environment: `command`, `entrypoint`,
 * `environment`, `env_file`, `labels`, `annotations`.
 *
 * @module
 */
import { labelKeyUnsafe } from "../labels.ts";
import type { CNode } from "./compose_tree.ts";
import { describe, field, isTrue, items, keyPath, pairs, text } from "./nodes.ts";
import { type KeyHandler, pathOf, scalarText, type ServiceCtx } from "./service_ctx.ts";
import { fail, warn } from "./unit_builder.ts";
import { literal, shellSplit, word, words } from "./unit_words.ts";

/** `command` (a string split like a shell, or a list) → `Exec=`. */
export const command: KeyHandler = (e, c) => {
  const argv = commandWords(c, e.value, pathOf(c, e));
  if (argv !== undefined && argv.length > 0) {
    c.unit.add("Container", "Exec", words(argv), e.value.line, pathOf(c, e));
  }
};

/** `entrypoint` → `Entrypoint=` (one word as it is, several as the JSON list podman reads). */
export const entrypoint: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  const argv = commandWords(c, e.value, path);
  if (argv === undefined) return;
  if (argv.length === 0) {
    fail(
      c.d,
      path,
      e.value.line,
      "an empty entrypoint is not supported by quadlets",
      "Name the program to run",
    );
    return;
  }
  const value = argv.length === 1 ? argv[0] ?? "" : JSON.stringify(argv);
  c.unit.add("Container", "Entrypoint", literal(value), e.value.line, path);
};

/** A command as words: a list of strings, or a string split like a shell. */
function commandWords(c: ServiceCtx, node: CNode, path: string): string[] | undefined {
  if (node.kind === "scalar" && node.value === null) return [];
  if (node.kind === "seq") {
    const out: string[] = [];
    for (const [i, item] of node.items.entries()) {
      const t = scalarText(c, item, keyPath(path, i));
      if (t === undefined) return undefined;
      out.push(t);
    }
    return out;
  }
  const t = scalarText(c, node, path, "a string or a list");
  if (t === undefined) return undefined;
  const split = shellSplit(t);
  if (split === undefined) fail(c.d, path, node.line, "a quote is not closed");
  return split;
}

/**
 * `environment` (a map or `NAME=value` list) → one `Environment=` per variable. A name without
 * a value takes it from the interpolation variables, as compose does, or is left out with a
 * warning when none is set.
 */
export const environment: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  const list = pairs(e.value);
  if (list === undefined) {
    fail(
      c.d,
      path,
      e.value.line,
      `expected a map or a list of NAME=value, got ${describe(e.value)}`,
    );
    return;
  }
  for (const { key, value, line } of list) {
    const at = keyPath(path, key);
    if (key === "" || /[\s=]/.test(key)) {
      fail(c.d, at, line, "not a variable name");
      continue;
    }
    const v = value ?? c.lookup(key);
    if (v === undefined) {
      warn(c.d, at, line, "has no value and is not set; left out", `Write ${key}: value`);
      continue;
    }
    c.unit.add("Container", "Environment", word(`${key}=${v}`), line, at);
  }
};

/** `env_file` (a path, a list of paths, or `{path, required}`) → `EnvironmentFile=`. */
export const envFile: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  for (const [i, item] of items(e.value).entries()) {
    const at = e.value.kind === "seq" ? keyPath(path, i) : path;
    const long = item.kind === "map";
    const fileNode = long ? field(item, "path")?.value : item;
    const file = fileNode ? text(fileNode) : undefined;
    if (file === undefined) {
      fail(c.d, at, item.line, `expected a path or {path, required}, got ${describe(item)}`);
      continue;
    }
    if (long) {
      const extra = item.entries.filter((x) => !["path", "required", "format"].includes(x.key));
      for (const x of extra) fail(c.d, keyPath(at, x.key), x.line, "unknown key");
      const format = field(item, "format");
      if (format && text(format.value) !== "dotenv") {
        fail(c.d, keyPath(at, "format"), format.line, "only the dotenv format is supported");
        continue;
      }
    }
    const requiredNode = long ? field(item, "required")?.value : undefined;
    const required = requiredNode === undefined || isTrue(requiredNode);
    const resolved = c.paths.resolve(file, "env_file", required);
    if (resolved.ok) {
      c.unit.add("Container", "EnvironmentFile", resolved.value, item.line, at);
      if (resolved.envCopy) c.envFiles.push(resolved.envCopy);
    } else if (!resolved.skip) fail(c.d, at, item.line, resolved.message, resolved.hint);
  }
};

/** `labels` / `annotations` (a map or `key=value` list) → `Label=` / `Annotation=`. */
export function keyValues(key: "Label" | "Annotation"): KeyHandler {
  return (e, c) => {
    const path = pathOf(c, e);
    const list = pairs(e.value);
    if (list === undefined) {
      fail(
        c.d,
        path,
        e.value.line,
        `expected a map or a list of key=value, got ${describe(e.value)}`,
      );
      return;
    }
    for (const { key: k, value, line } of list) {
      const at = keyPath(path, k);
      if (key === "Label" && labelKeyUnsafe(k)) {
        fail(
          c.d,
          at,
          line,
          "gitops-* labels are hoist's, and label keys may not use % or $",
          "Rename or remove that label",
        );
        continue;
      }
      c.unit.add("Container", key, word(`${k}=${value ?? ""}`), line, at);
    }
  };
}
