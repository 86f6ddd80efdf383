/**
 * `build` → a `.build` unit beside the service's `.container`, whose `Image=` names it. The
 * context must lie inside the service folder.
 *
 * @module
 */
import { posix } from "node:path";
import type { CEntry } from "./compose_tree.ts";
import { describe, keyPath, pairs, text } from "./nodes.ts";
import { type ServiceCtx } from "./service_ctx.ts";
import { fail, UnitBuilder, unsupported } from "./unit_builder.ts";
import { literal, word } from "./unit_words.ts";

/**
 * Adds the `.build` unit for `build` (`image`, when given, is the tag it builds) and points the
 * container's `Image=` at it.
 */
export function build(e: CEntry, image: CEntry | undefined, c: ServiceCtx): void {
  const path = keyPath(c.path, "build");
  const names = c.names.services.get(c.name);
  if (names === undefined) return;
  const unit = new UnitBuilder(c.d, c.path);
  const fields = e.value.kind === "map"
    ? e.value.entries
    : [{ key: "context", line: e.line, value: e.value }];
  if (e.value.kind !== "map" && text(e.value) === undefined) {
    fail(c.d, path, e.line, `expected a path or a map, got ${describe(e.value)}`);
    return;
  }
  const tag = image ? text(image.value) : `localhost/${c.names.project}-${c.name}`;
  unit.add(
    "Build",
    "ImageTag",
    literal(tag ?? ""),
    image?.line ?? e.line,
    image ? keyPath(c.path, "image") : path,
  );
  const contextRel = text(fields.find((f) => f.key === "context")?.value ?? e.value) ?? ".";
  const contextLine = fields.find((f) => f.key === "context")?.line ?? e.line;
  for (const f of fields) buildKey(f, contextRel, unit, c, keyPath(path, f.key));
  if (!fields.some((f) => f.key === "context")) context(".", contextLine, unit, c, path);
  c.extra.push({ fileName: `${names.unit}.build`, type: "build", unit });
  c.unit.add("Container", "Image", literal(`${names.unit}.build`), e.line, path);
}

function context(rel: string, line: number, unit: UnitBuilder, c: ServiceCtx, path: string): void {
  if (/^[a-z]+:\/\//.test(rel) || rel.startsWith("git@")) {
    unsupported(c.d, path, line, "remote build contexts are not supported");
    return;
  }
  const r = c.paths.resolve(rel, "context", true);
  if (r.ok) unit.add("Build", "SetWorkingDirectory", r.value, line, path);
  else if (!r.skip) fail(c.d, path, line, r.message, r.hint);
}

function buildKey(
  f: CEntry,
  contextRel: string,
  unit: UnitBuilder,
  c: ServiceCtx,
  path: string,
): void {
  const t = text(f.value);
  switch (f.key) {
    case "context":
      context(t ?? ".", f.line, unit, c, path);
      return;
    case "dockerfile": {
      if (t === undefined || posix.isAbsolute(t)) {
        fail(c.d, path, f.line, "expected a path inside the build context");
        return;
      }
      const r = c.paths.resolve(posix.join(contextRel, t), "file", true);
      if (r.ok) unit.add("Build", "File", r.value, f.line, path);
      else if (!r.skip) fail(c.d, path, f.line, r.message, r.hint);
      return;
    }
    case "target":
      if (t === undefined) fail(c.d, path, f.line, `expected a string, got ${describe(f.value)}`);
      else unit.add("Build", "Target", literal(t), f.line, path);
      return;
    case "args":
    case "labels": {
      const list = pairs(f.value);
      if (list === undefined) {
        fail(c.d, path, f.line, `expected a map or a list of NAME=value, got ${describe(f.value)}`);
        return;
      }
      for (const { key, value, line } of list) {
        const at = keyPath(path, key);
        if (f.key === "labels") unit.add("Build", "Label", word(`${key}=${value ?? ""}`), line, at);
        else if (value === undefined) fail(c.d, at, line, "a build argument needs a value");
        else unit.add("Build", "PodmanArgs", word(`--build-arg=${key}=${value}`), line, at);
      }
      return;
    }
    default:
      unsupported(c.d, path, f.line);
  }
}
