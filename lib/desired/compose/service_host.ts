/**
 * How a compose service's container meets the host: `ulimits`, `sysctls`, `extra_hosts`,
 * `devices`, `security_opt`, `logging`, `shm_size` and resource limits.
 *
 * @module
 */
import { describe, field, keyPath, pairs, text } from "./nodes.ts";
import { type KeyHandler, pathOf, scalarList, scalarText } from "./service_ctx.ts";
import { fail, unsupported } from "./unit_builder.ts";
import { literal, word } from "./unit_words.ts";

/** Byte sizes as compose writes them (`64m`, `1gb`, `512`). */
export const BYTES = /^\d+(?:\.\d+)?\s*[bkmgBKMG]?[bB]?$/;

/** `ulimits` (`nofile: 1024` or `nofile: {soft, hard}`) → `Ulimit=name=soft:hard`. */
export const ulimits: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  if (e.value.kind !== "map") {
    fail(c.d, path, e.value.line, `expected a map, got ${describe(e.value)}`);
    return;
  }
  for (const x of e.value.entries) {
    const at = keyPath(path, x.key);
    const single = text(x.value);
    const soft = single ?? text(field(x.value, "soft")?.value ?? x.value);
    const hard = single ?? text(field(x.value, "hard")?.value ?? x.value);
    if (!/^[a-z]+$/.test(x.key) || soft === undefined || hard === undefined) {
      fail(c.d, at, x.line, "expected name: number or name: {soft, hard}");
      continue;
    }
    const value = soft === hard ? soft : `${soft}:${hard}`;
    if (!/^-?\d+(:-?\d+)?$/.test(value)) {
      fail(c.d, at, x.line, "limits are whole numbers (-1 for unlimited)");
    } else c.unit.add("Container", "Ulimit", `${x.key}=${value}`, x.line, at);
  }
};

/** `sysctls` (a map or `name=value` list) → `Sysctl=`. */
export const sysctls: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  const list = pairs(e.value);
  if (list === undefined) {
    fail(
      c.d,
      path,
      e.value.line,
      `expected a map or a list of name=value, got ${describe(e.value)}`,
    );
    return;
  }
  for (const { key, value, line } of list) {
    const at = keyPath(path, key);
    if (value === undefined) fail(c.d, at, line, "has no value");
    else c.unit.add("Container", "Sysctl", word(`${key}=${value}`), line, at);
  }
};

/** `extra_hosts` (`host:ip`, `host=ip`, or a map of host → ip) → `AddHost=host:ip`. */
export const extraHosts: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  const add = (host: string, ip: string, line: number, at: string) =>
    c.unit.add("Container", "AddHost", literal(`${host}:${ip}`), line, at);
  if (e.value.kind === "map") {
    for (const x of e.value.entries) {
      for (const ip of scalarList(c, x.value, keyPath(path, x.key)) ?? []) {
        add(x.key, ip, x.line, keyPath(path, x.key));
      }
    }
    return;
  }
  for (const [i, spec] of (scalarList(c, e.value, path) ?? []).entries()) {
    const at = keyPath(path, i);
    const m = /^([^:=\s]+)[:=](.+)$/.exec(spec);
    if (!m) fail(c.d, at, e.value.line, `${JSON.stringify(spec)} is not host:ip`);
    else add(m[1] ?? "", m[2] ?? "", e.value.line, at);
  }
};

/** `devices` (`/dev/x[:/dev/y[:rwm]]`, a CDI name, or `{source, target, permissions}`) → `AddDevice=`. */
export const devices: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  if (e.value.kind !== "seq") {
    fail(c.d, path, e.value.line, `expected a list, got ${describe(e.value)}`);
    return;
  }
  for (const [i, item] of e.value.items.entries()) {
    const at = keyPath(path, i);
    const spec = item.kind === "map"
      ? [field(item, "source"), field(item, "target"), field(item, "permissions")]
        .map((f) => (f ? text(f.value) : undefined)).filter((x) => x !== undefined).join(":")
      : text(item);
    if (spec === undefined || spec === "") {
      fail(c.d, at, item.line, `expected a device, got ${describe(item)}`);
    } else c.unit.add("Container", "AddDevice", literal(spec), item.line, at);
  }
};

/**
 * `security_opt`: `label:disable` / `label=type:x` / `label=level:x`, `no-new-privileges` and
 * `seccomp=` get their quadlet keys; anything else goes to `PodmanArgs=--security-opt`.
 */
export const securityOpt: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  for (const [i, raw] of (scalarList(c, e.value, path) ?? []).entries()) {
    const at = e.value.kind === "seq" ? keyPath(path, i) : path;
    const opt = raw.replace(/^(label|seccomp|apparmor|no-new-privileges|mask|unmask):/, "$1=");
    const eq = opt.indexOf("=");
    const name = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? "" : opt.slice(eq + 1);
    const add = (key: string, v: string) =>
      c.unit.add("Container", key, literal(v), e.value.line, at);
    if (name === "label" && value === "disable") add("SecurityLabelDisable", "true");
    else if (name === "label" && value.startsWith("type:")) {
      add("SecurityLabelType", value.slice(5));
    } else if (name === "label" && value.startsWith("level:")) {
      add("SecurityLabelLevel", value.slice(6));
    } else if (name === "no-new-privileges" && (value === "" || value === "true")) {
      add("NoNewPrivileges", "true");
    } else if (name === "no-new-privileges" && value === "false") add("NoNewPrivileges", "false");
    else if (name === "seccomp" && value !== "") add("SeccompProfile", value);
    else c.unit.add("Container", "PodmanArgs", word(`--security-opt=${opt}`), e.value.line, at);
  }
};

/** `logging: {driver, options}` → `LogDriver=` and one `LogOpt=` per option. */
export const logging: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  if (e.value.kind !== "map") {
    fail(c.d, path, e.value.line, `expected a map, got ${describe(e.value)}`);
    return;
  }
  for (const x of e.value.entries) {
    const at = keyPath(path, x.key);
    if (x.key === "driver") {
      const t = scalarText(c, x.value, at);
      if (t !== undefined) c.unit.add("Container", "LogDriver", literal(t), x.line, at);
    } else if (x.key === "options") {
      for (const { key, value, line } of pairs(x.value) ?? []) {
        c.unit.add("Container", "LogOpt", literal(`${key}=${value ?? ""}`), line, keyPath(at, key));
      }
    } else unsupported(c.d, at, x.line);
  }
};

/** A byte size key → `Key=` or `PodmanArgs=--option=`. */
export function bytes(key: string | undefined, option?: string): KeyHandler {
  return (e, c) => {
    const path = pathOf(c, e);
    const t = scalarText(c, e.value, path, "a size");
    if (t === undefined) return;
    if (!BYTES.test(t) && !(t === "-1" && option === "--memory-swap")) {
      fail(
        c.d,
        path,
        e.value.line,
        `${JSON.stringify(t)} is not a size`,
        "Write 512m, 1g or a number of bytes",
      );
      return;
    }
    const size = t.replace(/\s+/g, "").replace(/([kmgKMG])[bB]$/, "$1");
    if (key !== undefined) c.unit.add("Container", key, size, e.value.line, path);
    else c.unit.add("Container", "PodmanArgs", `${option}=${size}`, e.value.line, path);
  };
}

/** `domainname`: podman has no such option. */
export const domainname: KeyHandler = (e, c) =>
  unsupported(c.d, pathOf(c, e), e.line, "not supported by podman (it has no --domainname)");
