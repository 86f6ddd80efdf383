/**
 * Mounts of a compose service: `volumes` (bind, named, tmpfs; short and long syntax), `tmpfs`,
 * and file-based `secrets` and `configs`.
 *
 * @module
 */
import type { CNode } from "./compose_tree.ts";
import { describe, field, isTrue, keyPath, text } from "./nodes.ts";
import { resourceRef } from "./project_names.ts";
import { type KeyHandler, pathOf, scalarList, type ServiceCtx } from "./service_ctx.ts";
import { fail, unsupported } from "./unit_builder.ts";
import { literal } from "./unit_words.ts";

/** Mount options podman's `-v` takes as compose writes them. */
const MODES = new Set([
  "ro",
  "rw",
  "z",
  "Z",
  "nocopy",
  "shared",
  "slave",
  "private",
  "rshared",
  "rslave",
  "rprivate",
]);

/** The unit text of a mount source, or undefined after an error. */
function source(c: ServiceCtx, src: string, path: string, line: number): string | undefined {
  if (src.startsWith("/")) return literal(src);
  if (src.startsWith("~")) {
    fail(c.d, path, line, `${src}: ~ is not expanded by hoist`, "Write the absolute host path");
    return undefined;
  }
  if (src.startsWith(".")) {
    const r = c.paths.resolve(src, "bind", true);
    if (r.ok) return r.value;
    if (!r.skip) fail(c.d, path, line, r.message, r.hint);
    return undefined;
  }
  const vol = c.names.volumes.get(src);
  if (vol === undefined) {
    fail(
      c.d,
      path,
      line,
      `volume ${JSON.stringify(src)} is not declared`,
      `Add it under the top-level volumes:`,
    );
    return undefined;
  }
  return literal(resourceRef(vol, "volume"));
}

/** A short-syntax entry `SRC:DST[:MODE]` (or `DST`, an anonymous volume) → `Volume=`. */
function shortVolume(c: ServiceCtx, spec: string, path: string, line: number): void {
  const parts = spec.split(":");
  if (parts.length > 3 || parts.some((p) => p === "")) {
    fail(c.d, path, line, `${JSON.stringify(spec)} is not SOURCE:TARGET[:MODE]`);
    return;
  }
  if (parts.length === 1) {
    c.unit.add("Container", "Volume", literal(spec), line, path);
    return;
  }
  const [src = "", dst = "", mode] = parts;
  const bad = (mode ?? "").split(",").filter((m) => m !== "" && !MODES.has(m));
  if (bad.length > 0) {
    fail(c.d, path, line, `unknown mount option ${bad.join(", ")}`, `Use ${[...MODES].join(", ")}`);
    return;
  }
  const from = source(c, src, path, line);
  if (from === undefined) return;
  c.unit.add("Container", "Volume", `${from}:${literal(dst)}${mode ? `:${mode}` : ""}`, line, path);
}

const LONG_KEYS = new Set([
  "type",
  "source",
  "target",
  "read_only",
  "bind",
  "volume",
  "tmpfs",
  "consistency",
]);

/** A long-syntax mount → `Volume=` or `Tmpfs=`. */
function longVolume(c: ServiceCtx, node: CNode & { kind: "map" }, path: string): void {
  const get = (k: string) => {
    const f = field(node, k);
    return f ? text(f.value) : undefined;
  };
  for (const x of node.entries) {
    if (!LONG_KEYS.has(x.key)) fail(c.d, keyPath(path, x.key), x.line, "unknown key");
  }
  const type = get("type");
  const target = get("target");
  if (target === undefined) {
    fail(c.d, path, node.line, "a mount needs target:");
    return;
  }
  const options: string[] = [];
  const ro = field(node, "read_only");
  if (ro && isTrue(ro.value)) options.push("ro");
  if (type === "tmpfs") {
    const t = field(node, "tmpfs")?.value;
    const size = t ? field(t, "size") : undefined;
    const mode = t ? field(t, "mode") : undefined;
    if (size) options.push(`size=${text(size.value) ?? ""}`);
    if (mode) options.push(`mode=${text(mode.value) ?? ""}`);
    const tmpfs = `${literal(target)}${options.length ? `:${literal(options.join(","))}` : ""}`;
    c.unit.add("Container", "Tmpfs", tmpfs, node.line, path);
    return;
  }
  if (type !== "bind" && type !== "volume") {
    unsupported(
      c.d,
      keyPath(path, "type"),
      node.line,
      `mount type ${JSON.stringify(type ?? "")} is not supported by quadlets`,
    );
    return;
  }
  const src = get("source");
  if (src === undefined) {
    if (type === "volume") c.unit.add("Container", "Volume", literal(target), node.line, path);
    else fail(c.d, path, node.line, "a bind mount needs source:");
    return;
  }
  if (type === "bind" && !src.startsWith("/") && !src.startsWith(".") && !src.startsWith("~")) {
    fail(
      c.d,
      path,
      node.line,
      `bind source ${JSON.stringify(src)} must be a path`,
      "Start it with / or ./",
    );
    return;
  }
  options.push(...subOptions(c, node, type, path));
  const from = source(c, src, path, node.line);
  if (from === undefined) return;
  c.unit.add(
    "Container",
    "Volume",
    `${from}:${literal(target)}${options.length ? `:${options.join(",")}` : ""}`,
    node.line,
    path,
  );
}

/** Options from `bind:` (propagation, selinux, create_host_path) and `volume:` (nocopy). */
function subOptions(c: ServiceCtx, node: CNode, type: "bind" | "volume", path: string): string[] {
  const out: string[] = [];
  const sub = field(node, type);
  if (!sub) return out;
  const known = type === "bind" ? ["propagation", "selinux", "create_host_path"] : ["nocopy"];
  for (const x of sub.value.kind === "map" ? sub.value.entries : []) {
    const at = keyPath(keyPath(path, type), x.key);
    const v = text(x.value) ?? "";
    if (!known.includes(x.key)) unsupported(c.d, at, x.line);
    else if (x.key === "propagation" && MODES.has(v)) out.push(v);
    else if (x.key === "selinux" && (v === "z" || v === "Z")) out.push(v);
    else if (x.key === "nocopy" && isTrue(x.value)) out.push("nocopy");
    else if (x.key === "create_host_path" && !isTrue(x.value)) continue;
    else if (x.key !== "nocopy" && x.key !== "create_host_path") {
      fail(c.d, at, x.line, `${JSON.stringify(v)} is not valid here`);
    }
  }
  return out;
}

/** `volumes` → `Volume=` / `Tmpfs=` per entry. */
export const volumes: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  if (e.value.kind !== "seq") {
    fail(c.d, path, e.value.line, `expected a list, got ${describe(e.value)}`);
    return;
  }
  for (const [i, item] of e.value.items.entries()) {
    const at = keyPath(path, i);
    if (item.kind === "map") longVolume(c, item, at);
    else {
      const spec = text(item);
      if (spec === undefined) fail(c.d, at, item.line, `expected a mount, got ${describe(item)}`);
      else shortVolume(c, spec, at, item.line);
    }
  }
};

/** `tmpfs` (a path or a list) → `Tmpfs=`. */
export const tmpfs: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  for (const t of scalarList(c, e.value, path) ?? []) {
    c.unit.add("Container", "Tmpfs", literal(t), e.value.line, path);
  }
};
