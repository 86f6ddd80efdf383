/**
 * What a `/api/v1/…` request asks for, checked before anything else (pure): the operation, its
 * target (a service, or the host for plan and apply), the method it takes, and its query (`tail`
 * 1–10 000, `since` as `30s`, `15m`, `2h`, `7d` or `YYYY-MM-DDTHH:MM:SSZ`; nothing else).
 *
 * @module
 */
import type { KeyScope } from "./repo_keys.ts";

/** The operations. */
export const OPS = {
  ping: { method: "GET", on: "both" },
  ps: { method: "GET", on: "service" },
  logs: { method: "GET", on: "service" },
  restart: { method: "POST", on: "service" },
  start: { method: "POST", on: "service" },
  stop: { method: "POST", on: "service" },
  pull: { method: "POST", on: "service" },
  plan: { method: "POST", on: "host" },
  apply: { method: "POST", on: "host" },
} as const;

/** An operation's name. */
export type RemoteOp = keyof typeof OPS;

/** The method `op` takes. */
export function opMethod(op: RemoteOp): "GET" | "POST" {
  return OPS[op].method;
}

/** Lines of journal `logs` gives when no `tail` is asked for, and at most. */
export const DEFAULT_TAIL = 200;
export const MAX_TAIL = 10_000;

/** A request, understood. */
export interface ApiRequest {
  readonly op: RemoteOp;
  readonly target: KeyScope;
  /** `logs` only. */
  readonly tail?: number;
  /** `logs` only: journalctl's `--since` value. */
  readonly since?: string;
}

/** The request, or why it is refused (400, 404, 405). */
export type ParsedApi =
  | { readonly ok: true; readonly value: ApiRequest }
  | {
    readonly ok: false;
    readonly status: 400 | 404 | 405;
    readonly reason: string;
    /** What was understood before the refusal, for the record. */
    readonly op?: RemoteOp;
    readonly service?: string;
    readonly allow?: "GET" | "POST";
  };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const isOp = (s: string): s is RemoteOp => Object.hasOwn(OPS, s);

/**
 * Reads `method path?query` (the path as `new URL` gives it: `..` segments are already resolved,
 * so a path that climbs out of `/api/v1/` does not reach an operation).
 *
 * @example
 * ```ts
 * parseApi("GET", "/api/v1/services/web/logs", new URLSearchParams("tail=50"));
 * // { ok: true, value: { op: "logs", target: { kind: "service", service: "web" }, tail: 50 } }
 * ```
 */
export function parseApi(method: string, path: string, query: URLSearchParams): ParsedApi {
  const parts = path.startsWith("/api/v1/") ? path.split("/").slice(3) : []; // "", "api", "v1"
  const ops = Object.keys(OPS).join(", ");
  let op: string | undefined;
  let target: KeyScope;
  if (parts.length === 1) {
    op = parts[0] ?? "";
    target = { kind: "host" };
  } else if (parts.length === 3 && parts[0] === "services") {
    const service = parts[1] ?? "";
    op = parts[2] ?? "";
    if (!NAME.test(service) || service.includes("..")) {
      return { ok: false, status: 400, reason: `not a service name: ${short(service)}` };
    }
    target = { kind: "service", service };
  } else {
    return {
      ok: false,
      status: 404,
      reason: `no endpoint ${short(path)}: use /api/v1/services/<service>/<op> or /api/v1/<op>`,
    };
  }
  const service = target.kind === "service" ? { service: target.service } : {};
  if (!isOp(op)) {
    return {
      ok: false,
      status: 400,
      reason: `unknown operation ${short(op)} (${ops})`,
      ...service,
    };
  }
  const spec = OPS[op];
  if (spec.on === "service" && target.kind === "host") {
    return {
      ok: false,
      status: 400,
      reason: `${op} needs a service: /api/v1/services/<service>/${op}`,
      op,
    };
  }
  if (spec.on === "host" && target.kind === "service") {
    return { ok: false, status: 400, reason: `${op} is host-wide: /api/v1/${op}`, op, ...service };
  }
  if (method !== spec.method) {
    return {
      ok: false,
      status: 405,
      reason: `${op} takes ${spec.method}`,
      op,
      allow: spec.method,
      ...service,
    };
  }
  const q = readQuery(op, query);
  if (!q.ok) return { ok: false, status: 400, reason: q.reason, op, ...service };
  return { ok: true, value: { op, target, ...q.value } };
}

function readQuery(
  op: RemoteOp,
  query: URLSearchParams,
): { ok: true; value: { tail?: number; since?: string } } | { ok: false; reason: string } {
  const allowed = op === "logs" ? ["tail", "since"] : [];
  for (const [k] of query) {
    if (!allowed.includes(k)) {
      return {
        ok: false,
        reason: `${op} takes ${allowed.length === 0 ? "no query" : allowed.join(" and ")}; ` +
          `got ${short(k)}`,
      };
    }
    if (query.getAll(k).length > 1) return { ok: false, reason: `${k} given twice` };
  }
  if (op !== "logs") return { ok: true, value: {} };
  const tailText = query.get("tail");
  const tail = tailText === null
    ? DEFAULT_TAIL
    : /^\d{1,6}$/.test(tailText)
    ? Number(tailText)
    : NaN;
  if (!Number.isInteger(tail) || tail < 1 || tail > MAX_TAIL) {
    return { ok: false, reason: `tail must be a whole number from 1 to ${MAX_TAIL}` };
  }
  const sinceText = query.get("since");
  if (sinceText === null) return { ok: true, value: { tail } };
  const since = journalSince(sinceText);
  if (since === undefined) {
    return {
      ok: false,
      reason: "since must be a duration (30s, 15m, 2h, 7d) or a UTC time (2026-12-01T12:00:00Z)",
    };
  }
  return { ok: true, value: { tail, since } };
}

/**
 * `since` → journalctl's `--since` value; undefined when it is neither form.
 *
 * @example
 * ```ts
 * journalSince("15m"); // "15min ago"
 * journalSince("2026-12-01T12:00:00Z"); // "2026-12-01 12:00:00 UTC"
 * ```
 */
export function journalSince(text: string): string | undefined {
  const rel = /^(\d{1,6})(s|m|h|d)$/.exec(text);
  if (rel) return `${rel[1]}${rel[2] === "m" ? "min" : rel[2]} ago`;
  const abs = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$/.exec(text);
  return abs ? `${abs[1]} ${abs[2]} UTC` : undefined;
}

/** A name from a request, cut and stripped of control characters for messages. */
export function short(s: string): string {
  // deno-lint-ignore no-control-regex
  const clean = s.replace(/[\x00-\x1f\x7f-\x9f]/g, "?");
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}
