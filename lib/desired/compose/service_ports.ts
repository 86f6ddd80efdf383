/**
 * `ports` (short and long syntax) → `PublishPort=`, `expose` → `ExposeHostPort=`.
 *
 * @module
 */
import type { CNode } from "./compose_tree.ts";
import { describe, keyPath, text } from "./nodes.ts";
import { type KeyHandler, pathOf, type ServiceCtx } from "./service_ctx.ts";
import { fail } from "./unit_builder.ts";
import { literal } from "./unit_words.ts";

const PROTOCOLS = new Set(["tcp", "udp", "sctp"]);

/** A parsed port or range; why not, otherwise. */
function portRange(spec: string): { from: number; to: number } | string {
  const m = /^(\d{1,6})(?:-(\d{1,6}))?$/.exec(spec);
  if (!m) return `${JSON.stringify(spec)} is not a port or a range of ports`;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1 || to > 65535) return `port ${from < 1 ? from : to} is outside 1-65535`;
  if (to < from) return `range ${spec} ends before it starts`;
  return { from, to };
}

/** `host:container` ranges must be the same length (a single host port may map one port). */
function sameLength(host: string, container: string): string | undefined {
  const h = portRange(host);
  const c = portRange(container);
  if (typeof h === "string") return h;
  if (typeof c === "string") return c;
  if (h.to - h.from !== c.to - c.from) return `ranges ${host} and ${container} differ in length`;
  return undefined;
}

/** Splits `/proto` off; an unknown protocol is an error message. */
function protocolOf(spec: string): { rest: string; proto?: string } | string {
  const slash = spec.lastIndexOf("/");
  if (slash < 0) return { rest: spec };
  const proto = spec.slice(slash + 1);
  if (!PROTOCOLS.has(proto)) return `unknown protocol ${JSON.stringify(proto)}`;
  return { rest: spec.slice(0, slash), proto };
}

/** The `PublishPort=` value of a short-syntax entry, or why it is not one. */
export function shortPort(spec: string): { value: string } | { error: string } {
  const p = protocolOf(spec);
  if (typeof p === "string") return { error: p };
  let ip: string | undefined;
  let rest = p.rest;
  if (rest.startsWith("[")) {
    const end = rest.indexOf("]:");
    if (end < 0) return { error: `${JSON.stringify(spec)}: an IPv6 address needs "]:" after it` };
    ip = rest.slice(0, end + 1);
    rest = rest.slice(end + 2);
  }
  const parts = rest.split(":");
  if (ip === undefined && parts.length === 3) ip = parts.shift();
  if (parts.length > 2) {
    return {
      error: `${JSON.stringify(spec)} has too many ':' (write IPv6 addresses in [brackets])`,
    };
  }
  const container = parts.pop() ?? "";
  const host = parts.pop();
  const bad = host === undefined || host === ""
    ? (() => {
      const r = portRange(container);
      return typeof r === "string" ? r : undefined;
    })()
    : sameLength(host, container);
  if (bad !== undefined) return { error: bad };
  const value = [ip, host, container].filter((x) => x !== undefined).join(":") +
    (p.proto ? `/${p.proto}` : "");
  return { value };
}

/** `ports` → one `PublishPort=` per entry. */
export const ports: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  if (e.value.kind !== "seq") {
    fail(
      c.d,
      path,
      e.value.line,
      `expected a list, got ${describe(e.value)}`,
      `Write ports: ["8080:80"]`,
    );
    return;
  }
  for (const [i, item] of e.value.items.entries()) {
    const at = keyPath(path, i);
    const spec = item.kind === "map" ? longPort(c, item, at) : text(item);
    if (spec === undefined) {
      if (item.kind !== "map") fail(c.d, at, item.line, `expected a port, got ${describe(item)}`);
      continue;
    }
    const got = shortPort(spec);
    if ("error" in got) fail(c.d, at, item.line, got.error);
    else c.unit.add("Container", "PublishPort", literal(got.value), item.line, at);
  }
};

const LONG_PORT_KEYS = new Set([
  "target",
  "published",
  "host_ip",
  "protocol",
  "mode",
  "name",
  "app_protocol",
]);

/** A long-syntax port as the short syntax, or undefined after an error. */
function longPort(c: ServiceCtx, node: CNode & { kind: "map" }, path: string): string | undefined {
  const get = (k: string) => {
    const f = node.entries.find((x) => x.key === k);
    return f ? text(f.value) : undefined;
  };
  let ok = true;
  for (const x of node.entries) {
    if (!LONG_PORT_KEYS.has(x.key)) {
      fail(c.d, keyPath(path, x.key), x.line, "unknown key");
      ok = false;
    }
  }
  const target = get("target");
  if (target === undefined) {
    fail(c.d, path, node.line, "a port needs target:");
    return undefined;
  }
  const mode = get("mode");
  if (mode !== undefined && mode !== "host" && mode !== "ingress") {
    fail(c.d, keyPath(path, "mode"), node.line, `unknown mode ${JSON.stringify(mode)}`);
    ok = false;
  }
  if (!ok) return undefined;
  const ip = get("host_ip");
  const published = get("published");
  const proto = get("protocol");
  const host = ip === undefined
    ? published ?? ""
    : `${ip.includes(":") ? `[${ip}]` : ip}:${published ?? ""}`;
  return `${host === "" ? "" : `${host}:`}${target}${proto ? `/${proto}` : ""}`;
}

/** `expose` → `ExposeHostPort=` per port or range. */
export const expose: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  if (e.value.kind !== "seq") {
    fail(c.d, path, e.value.line, `expected a list, got ${describe(e.value)}`);
    return;
  }
  for (const [i, item] of e.value.items.entries()) {
    const at = keyPath(path, i);
    const spec = text(item);
    const p = spec === undefined ? `expected a port, got ${describe(item)}` : protocolOf(spec);
    const range = typeof p === "string" ? p : portRange(p.rest);
    if (typeof range === "string") fail(c.d, at, item.line, range);
    else if (spec !== undefined) {
      c.unit.add("Container", "ExposeHostPort", literal(spec), item.line, at);
    }
  }
};
