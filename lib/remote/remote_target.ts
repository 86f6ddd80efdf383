/**
 * What `hoist remote` was asked (pure): the server, the service and the operation, from either
 * form, and the exit code of an answer.
 *
 * - `hoist remote HOST[:PORT] SERVICE OP` (or `HOST[:PORT] OP` for plan, apply and ping of the host);
 * - pgo's `hoist remote HOST[:PORT]:SERVICE//OP`: the last `//` starts the operation, the last `:`
 *   before it the service.
 *
 * `HOST` may carry a scheme (`https://pi.example.org`); without one the client uses https, but
 * http for loopback (127.0.0.1, ::1, localhost), where `hoist serve` listens by default. The port
 * defaults to 9321.
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import { opMethod, OPS, type RemoteOp } from "./api_request.ts";

/** Exit codes of `hoist remote`. */
export const REMOTE_EXIT = { ok: 0, failed: 1, unauthorised: 3, unreachable: 4 } as const;

/** The server's default port. */
export const DEFAULT_PORT = 9321;

/** A parsed target. */
export interface RemoteTarget {
  /** `http://127.0.0.1:9321` */
  readonly base: string;
  /** undefined: host-wide. */
  readonly service?: string;
  readonly op: RemoteOp;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

function usage(message: string): HoistError {
  return new HoistError(
    "usage",
    message,
    "hoist remote HOST[:PORT] SERVICE OP, or HOST[:PORT]:SERVICE//OP; " +
      `operations: ${Object.keys(OPS).join(", ")}`,
  );
}

/** `HOST[:PORT]` (with an optional scheme) → the server's base URL. */
export function serverBase(hostPort: string): string {
  const m = /^(?:(https?):\/\/)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(
    hostPort,
  );
  const port = Number(m?.[3] ?? DEFAULT_PORT);
  if (m === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw usage(`not a server address: ${JSON.stringify(hostPort)} (HOST or HOST:PORT)`);
  }
  const host = m[2]!;
  const scheme = m[1] ?? (LOOPBACK.has(host) ? "http" : "https");
  return `${scheme}://${host}:${port}`;
}

/**
 * The target of `hoist remote`'s positional arguments.
 *
 * @example
 * ```ts
 * parseTarget(["pi.example.org:web//restart"]);
 * // { base: "https://pi.example.org:9321", service: "web", op: "restart" }
 * parseTarget(["127.0.0.1:9400", "web", "ps"]);
 * // { base: "http://127.0.0.1:9400", service: "web", op: "ps" }
 * ```
 */
export function parseTarget(args: readonly string[]): RemoteTarget {
  let hostPort: string;
  let service: string | undefined;
  let op: string;
  if (args.length === 1) {
    const arg = args[0]!;
    const cut = arg.lastIndexOf("//");
    const colon = cut < 0 ? -1 : arg.lastIndexOf(":", cut);
    if (cut < 0 || colon < 0 || arg.slice(colon, colon + 3) === "://") {
      throw usage(`${JSON.stringify(arg)} is not HOST[:PORT]:SERVICE//OP`);
    }
    hostPort = arg.slice(0, colon);
    service = arg.slice(colon + 1, cut);
    op = arg.slice(cut + 2);
  } else if (args.length === 2) {
    [hostPort, op] = args as [string, string];
  } else if (args.length === 3) {
    [hostPort, service, op] = args as [string, string, string];
  } else {
    throw usage(`hoist remote takes 1 to 3 arguments, got ${args.length}`);
  }
  if (!Object.hasOwn(OPS, op)) throw usage(`unknown operation ${JSON.stringify(op)}`);
  const known = op as RemoteOp;
  if (service !== undefined && !NAME.test(service)) {
    throw usage(`not a service name: ${JSON.stringify(service)}`);
  }
  const on = OPS[known].on;
  if (service === undefined && on === "service") throw usage(`${op} needs a service`);
  if (service !== undefined && on === "host") {
    throw usage(`${op} is host-wide: hoist remote HOST[:PORT] ${op}`);
  }
  return { base: serverBase(hostPort), ...(service === undefined ? {} : { service }), op: known };
}

/** The request for `target`: method and URL (with `tail` and `since` for logs). */
export function requestFor(
  target: RemoteTarget,
  opts: { readonly tail?: number; readonly since?: string } = {},
): { method: "GET" | "POST"; url: URL } {
  const path = target.service === undefined
    ? `/api/v1/${target.op}`
    : `/api/v1/services/${target.service}/${target.op}`;
  const url = new URL(path, target.base);
  if (target.op === "logs") {
    if (opts.tail !== undefined) url.searchParams.set("tail", String(opts.tail));
    if (opts.since !== undefined) url.searchParams.set("since", opts.since);
  }
  return { method: opMethod(target.op), url };
}

/** The exit code of an HTTP answer: 0 for 2xx, 3 for 401/403, 1 otherwise. */
export function exitFor(status: number): number {
  if (status >= 200 && status < 300) return REMOTE_EXIT.ok;
  if (status === 401 || status === 403) return REMOTE_EXIT.unauthorised;
  return REMOTE_EXIT.failed;
}
