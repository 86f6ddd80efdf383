/**
 * {@link ServiceCtx}: what converting one compose service's keys needs, and small helpers that
 * map a value to one quadlet key.
 *
 * @module
 */
import type { Lookup } from "./interpolate.ts";
import type { CEntry, CNode } from "./compose_tree.ts";
import type { EnvCopy, ObjectFile, PathPolicy } from "./compose_paths.ts";
import { describe, items, keyPath, text } from "./nodes.ts";
import type { ProjectNames } from "./project_names.ts";
import { type Diagnostics, fail, type Section, type UnitBuilder } from "./unit_builder.ts";
import { literal, word } from "./unit_words.ts";

/** One compose service being converted. */
export interface ServiceCtx {
  /** The compose service name. */
  readonly name: string;
  /** `services.<name>`. */
  readonly path: string;
  /** Its `.container` unit. */
  readonly unit: UnitBuilder;
  readonly d: Diagnostics;
  readonly names: ProjectNames;
  readonly paths: PathPolicy;
  /** Variables, for `environment` entries written without a value. */
  readonly lookup: Lookup;
  /** Compose services another one waits for with `condition: service_healthy`. */
  readonly healthy: Set<string>;
  /** Compose services another one waits for with `condition: service_completed_successfully`. */
  readonly completed: Set<string>;
  /** Networks (compose keys) some service joins, so their units are written. */
  readonly usedNetworks: Set<string>;
  /** The converted `env_file` copies its `.container` reads. */
  readonly envFiles: EnvCopy[];
  /** The files of `content:`/`environment:` secrets and configs it mounts. */
  readonly objects: ObjectFile[];
  /** Units besides the service's `.container` (its `.build`). */
  readonly extra: { fileName: string; type: "build"; unit: UnitBuilder }[];
}

/** Converts one key of a service. */
export type KeyHandler = (e: CEntry, c: ServiceCtx) => void;

/** The key path of an entry of the service. */
export function pathOf(c: ServiceCtx, e: CEntry): string {
  return keyPath(c.path, e.key);
}

/** The text of a scalar, or an error naming what was found instead. */
export function scalarText(
  c: ServiceCtx,
  node: CNode,
  path: string,
  what = "a string",
): string | undefined {
  const t = text(node);
  if (t === undefined) fail(c.d, path, node.line, `expected ${what}, got ${describe(node)}`);
  return t;
}

/** The texts of a string-or-list value (each item a scalar), or undefined after an error. */
export function scalarList(c: ServiceCtx, node: CNode, path: string): string[] | undefined {
  const out: string[] = [];
  for (const [i, item] of items(node).entries()) {
    const t = scalarText(c, item, node.kind === "seq" ? keyPath(path, i) : path);
    if (t === undefined) return undefined;
    out.push(t);
  }
  return out;
}

/** `key: value` → `Section.Key=value` (literal), for a scalar. */
export function one(section: Section, key: string, check?: RegExp, hint?: string): KeyHandler {
  return (e, c) => {
    const path = pathOf(c, e);
    const t = scalarText(c, e.value, path);
    if (t === undefined) return;
    if (check && !check.test(t)) {
      fail(c.d, path, e.value.line, `${JSON.stringify(t)} is not valid here`, hint);
      return;
    }
    c.unit.add(section, key, literal(t), e.value.line, path);
  };
}

/** A string or list → one `Key=` line per item. */
export function many(key: string, quoted = false): KeyHandler {
  return (e, c) => {
    const path = pathOf(c, e);
    for (const t of scalarList(c, e.value, path) ?? []) {
      c.unit.add("Container", key, quoted ? word(t) : literal(t), e.value.line, path);
    }
  };
}

/** A boolean → `PodmanArgs=<flag>` when true. */
export function podmanFlag(flag: string): KeyHandler {
  return (e, c) => {
    const path = pathOf(c, e);
    const v = e.value.kind === "scalar" ? e.value.value : undefined;
    if (typeof v !== "boolean") {
      fail(c.d, path, e.value.line, `expected true or false, got ${describe(e.value)}`);
      return;
    }
    if (v) c.unit.add("Container", "PodmanArgs", flag, e.value.line, path);
  };
}

/** A boolean → `Key=true|false`. */
export function boolKey(key: string): KeyHandler {
  return (e, c) => {
    const path = pathOf(c, e);
    const v = e.value.kind === "scalar" ? e.value.value : undefined;
    if (typeof v !== "boolean") {
      fail(c.d, path, e.value.line, `expected true or false, got ${describe(e.value)}`);
      return;
    }
    c.unit.add("Container", key, String(v), e.value.line, path);
  };
}

/** A scalar → `PodmanArgs=<option>=<value>`. */
export function podmanOption(option: string, check?: RegExp): KeyHandler {
  return (e, c) => {
    const path = pathOf(c, e);
    const t = scalarText(c, e.value, path);
    if (t === undefined) return;
    if (check && !check.test(t)) {
      fail(c.d, path, e.value.line, `${JSON.stringify(t)} is not valid here`);
      return;
    }
    c.unit.add("Container", "PodmanArgs", word(`${option}=${t}`), e.value.line, path);
  };
}
