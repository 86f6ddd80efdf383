/**
 * {@link handle}: every HTTP endpoint of `hoist serve` as one `Request → Response` function, tested
 * without a socket. A webhook only says "look now": it is authenticated before its body is parsed,
 * and the run it starts fetches and verifies the repository as `hoist apply` does.
 *
 * @module
 */
import { OPS } from "../remote/api_request.ts";
import { remoteApi, type RemoteApp } from "../remote/api.ts";
import { deliveryId, type DeliveryLog } from "./deliveries.ts";
import { type Metrics, METRICS_CONTENT_TYPE } from "./metrics.ts";
import { readBody } from "./read_body.ts";
import { statusPage } from "./status_page.ts";
import type { StatusView } from "./status_view.ts";
import type { Enqueued, RunQueue, RunView } from "./run_queue.ts";
import { authenticate, constantTimeEqual, type WebhookSecret } from "./webhook_auth.ts";

/** What the handler works with. */
export interface ServerApp {
  /** The shared webhook secret; undefined: webhook endpoints answer 503. */
  readonly secret: WebhookSecret | undefined;
  /** Secrets of `POST /hooks/<source>` for sources that have their own. */
  readonly sourceSecrets: ReadonlyMap<string, WebhookSecret>;
  /** Configured source names (`/hooks/<source>`). */
  readonly sources: readonly string[];
  readonly bodyLimit: number;
  /** Only these event types start a run (X-GitHub-Event, X-Gitea-Event, X-Gitlab-Event); empty: all. */
  readonly events: readonly string[];
  /** Only pushes to these refs start a run (the JSON body's `ref`); empty: all. */
  readonly refs: readonly string[];
  readonly queue: Pick<RunQueue, "enqueue" | "get">;
  readonly deliveries: DeliveryLog;
  /** The services of the last plan, for `/redeploy-and-update/<service>`. */
  services(): readonly string[];
  /** `GET /` and `GET /status.json`. */
  status(): StatusView;
  /** SHA-256 digests of the `user:password` lines allowed to see the status page; undefined: open. */
  readonly statusLogins: readonly Uint8Array[] | undefined;
  /** `GET /health`: ok unless the last run could not fetch or verify a source. */
  health(): { readonly ok: boolean; readonly [key: string]: unknown };
  readonly metrics: Metrics;
  now(): Date;
  /** One line per refused request: never the secret, never the body. */
  log(message: string): void;
  /** The signed remote API under `/api/v1/`; undefined: it answers 503. */
  readonly remote?: RemoteApp;
}

/** A service or source name in a path: what config.yml and config.toml accept. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Answers one request.
 *
 * @example
 * ```ts
 * const res = await handle(new Request("http://127.0.0.1:9321/health"), app);
 * res.status; // 200
 * ```
 */
export async function handle(req: Request, app: ServerApp): Promise<Response> {
  const path = new URL(req.url).pathname;
  if (path === "/api" || path.startsWith("/api/")) {
    return count(app, apiName(path), await api(req, app));
  }
  const route = routeOf(path);
  if (route === undefined) return count(app, "unknown", problem(404, `no endpoint ${short(path)}`));
  if (req.method !== route.method) {
    return count(
      app,
      route.name,
      problem(405, `${route.name} takes ${route.method}`, { allow: route.method }),
    );
  }
  return count(app, route.name, await route.answer(req, app));
}

interface Route {
  readonly name: string;
  readonly method: "GET" | "POST";
  answer(req: Request, app: ServerApp): Promise<Response>;
}

function routeOf(path: string): Route | undefined {
  if (path === "/") return { name: "status", method: "GET", answer: statusHtml };
  if (path === "/status.json") return { name: "status", method: "GET", answer: statusJson };
  if (path === "/health") return { name: "health", method: "GET", answer: health };
  if (path === "/metrics") return { name: "metrics", method: "GET", answer: metrics };
  if (path === "/deploy-all-changed") {
    return {
      name: "deploy-all-changed",
      method: "POST",
      answer: (req, app) => webhook(req, app, app.secret, []),
    };
  }
  const [, first, rest, ...more] = path.split("/");
  if (more.length > 0 || rest === undefined) return undefined;
  if (first === "runs") {
    return { name: "runs", method: "GET", answer: (_req, app) => Promise.resolve(run(app, rest)) };
  }
  if (first === "redeploy-and-update") {
    return {
      name: "redeploy-and-update",
      method: "POST",
      answer: (req, app) => redeploy(req, app, rest),
    };
  }
  if (first === "hooks") {
    return { name: "hooks", method: "POST", answer: (req, app) => sourceHook(req, app, rest) };
  }
  return undefined;
}

/** The metrics label of an API request: `api-<op>` for a known operation, else `api`. */
function apiName(path: string): string {
  const op = path.split("/").pop() ?? "";
  return Object.hasOwn(OPS, op) ? `api-${op}` : "api";
}

async function api(req: Request, app: ServerApp): Promise<Response> {
  if (app.remote === undefined) {
    await req.body?.cancel().catch(() => {});
    return problem(503, "the remote API is off in this server");
  }
  const res = await remoteApi(req, app.remote);
  if (res.status >= 400) {
    app.log(`${req.method} ${short(new URL(req.url).pathname)}: ${res.status}`);
  }
  return res;
}

async function statusHtml(req: Request, app: ServerApp): Promise<Response> {
  const denied = await login(req, app);
  if (denied !== undefined) return denied;
  return new Response(statusPage(app.status()), {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    },
  });
}

async function statusJson(req: Request, app: ServerApp): Promise<Response> {
  return await login(req, app) ?? json(200, app.status());
}

/** Basic auth for the status page when logins are configured; undefined when allowed. */
async function login(req: Request, app: ServerApp): Promise<Response | undefined> {
  if (app.statusLogins === undefined) return undefined;
  const header = req.headers.get("authorization") ?? "";
  const m = /^Basic ([A-Za-z0-9+/=]{1,2000})$/.exec(header);
  let pair = "";
  try {
    pair = m === null ? "" : atob(m[1] ?? "");
  } catch {
    pair = "";
  }
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(pair)),
  );
  let ok = false;
  for (const allowed of app.statusLogins) ok = constantTimeEqual(digest, allowed) || ok;
  if (ok) return undefined;
  return problem(401, "the status page needs a login", {
    "www-authenticate": 'Basic realm="hoist", charset="UTF-8"',
  });
}

function health(_req: Request, app: ServerApp): Promise<Response> {
  const h = app.health();
  return Promise.resolve(json(h.ok ? 200 : 503, h));
}

async function metrics(_req: Request, app: ServerApp): Promise<Response> {
  return new Response(await app.metrics.text(), {
    headers: { "content-type": METRICS_CONTENT_TYPE },
  });
}

function run(app: ServerApp, id: string): Response {
  const view: RunView | undefined = /^r\d{1,12}$/.test(id) ? app.queue.get(id) : undefined;
  return view === undefined
    ? problem(404, `no run ${short(id)} (runs are kept while the server runs, the last 200)`)
    : json(200, view);
}

function redeploy(req: Request, app: ServerApp, service: string): Promise<Response> {
  if (!NAME.test(service)) {
    return Promise.resolve(problem(400, `not a service name: ${short(service)}`));
  }
  return webhook(
    req,
    app,
    app.secret,
    [service],
    () =>
      app.services().includes(service)
        ? undefined
        : problem(404, `no service ${service} on this host`),
  );
}

function sourceHook(req: Request, app: ServerApp, source: string): Promise<Response> {
  if (!NAME.test(source) || !app.sources.includes(source)) {
    return Promise.resolve(problem(404, `no source ${short(source)} in the agent config`));
  }
  return webhook(req, app, app.sourceSecrets.get(source) ?? app.secret, []);
}

/**
 * The common webhook path: body within the limit, signature, replay, filters, then a run.
 * `check` refuses a signed request for a reason of its own (an unknown service).
 */
async function webhook(
  req: Request,
  app: ServerApp,
  secret: WebhookSecret | undefined,
  pull: readonly string[],
  check?: () => Response | undefined,
): Promise<Response> {
  if (secret === undefined) {
    return problem(503, "webhooks are off: set [serve] webhook_secret_file in the agent config");
  }
  const body = await readBody(req, app.bodyLimit);
  if (!body.ok) return refused(app, req, body.status, body.reason);
  const auth = await authenticate(secret, req.headers, body.bytes);
  if (!auth.ok) return refused(app, req, 401, auth.reason);
  const delivery = deliveryId(req.headers);
  if (delivery === "invalid") return refused(app, req, 400, "the delivery id is malformed");
  if (delivery !== undefined && !app.deliveries.accept(delivery, app.now().getTime())) {
    return refused(app, req, 409, "this delivery was already received (a replay)");
  }
  const event = req.headers.get("x-github-event") ?? req.headers.get("x-gitea-event") ??
    req.headers.get("x-gogs-event") ?? req.headers.get("x-gitlab-event") ?? "";
  if (event === "ping") return json(200, { status: "pong" });
  const refused_ = check?.();
  if (refused_ !== undefined) return refused_;
  if (app.events.length > 0 && !app.events.includes(event)) {
    return json(202, { status: "ignored", reason: `event ${short(event) || "(none)"} not listed` });
  }
  if (app.refs.length > 0) {
    const ref = refOf(body.bytes);
    if (ref === undefined || !app.refs.includes(ref)) {
      return json(202, {
        status: "ignored",
        reason: `ref ${ref === undefined ? "(none)" : short(ref)} not listed`,
      });
    }
  }
  return enqueued(app.queue.enqueue("webhook", pull), pull);
}

function enqueued(e: Enqueued, pull: readonly string[]): Response {
  if (!e.ok) return problem(503, e.reason);
  return json(202, {
    status: e.coalesced ? "coalesced" : "queued",
    run: e.id,
    url: `/runs/${e.id}`,
    ...(pull.length === 0 ? {} : {
      note:
        "after the reconcile the service's images are pulled; it restarts only when one changed (see the run's updates)",
    }),
  });
}

/** The `ref` of a push payload, if the body is JSON with one. */
function refOf(body: Uint8Array): string | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(body)) as { ref?: unknown };
    return typeof v?.ref === "string" ? v.ref : undefined;
  } catch {
    return undefined;
  }
}

function refused(app: ServerApp, req: Request, status: number, reason: string): Response {
  app.log(`${req.method} ${short(new URL(req.url).pathname)}: ${status} ${reason}`);
  return problem(status, reason);
}

function count(app: ServerApp, endpoint: string, res: Response): Response {
  app.metrics.webhook(endpoint, res.status);
  return res;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function problem(status: number, reason: string, headers: Record<string, string> = {}): Response {
  return json(status, { status: "refused", reason }, headers);
}

/** A path or name from a request, cut and stripped of control characters for messages. */
function short(s: string): string {
  // deno-lint-ignore no-control-regex
  const clean = s.replace(/[\x00-\x1f\x7f]/g, "?");
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}
