/**
 * Every endpoint of `hoist serve` called with `Request` objects (no socket): what starts a run,
 * what is refused with which status, and what reaches the log.
 */
import assert from "node:assert/strict";
import { DeliveryLog } from "../../lib/server/deliveries.ts";
import { Metrics } from "../../lib/server/metrics.ts";
import { handle, type ServerApp } from "../../lib/server/routes.ts";
import type { Enqueued, RunView, Trigger } from "../../lib/server/run_queue.ts";
import { statusView } from "../../lib/server/status_view.ts";
import { signBody, webhookSecret } from "../../lib/server/webhook_auth.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const SECRET = await webhookSecret(enc("mysecret"));
const BASE = "http://127.0.0.1:9321";

interface Harness {
  app: ServerApp;
  runs: { trigger: Trigger; pull: readonly string[] }[];
  logs: string[];
}

function harness(over: Partial<ServerApp> = {}): Harness {
  const runs: Harness["runs"] = [];
  const logs: string[] = [];
  const views = new Map<string, RunView>();
  const app: ServerApp = {
    secret: SECRET,
    sourceSecrets: new Map(),
    sources: ["main", "apps"],
    bodyLimit: 1024,
    events: [],
    refs: [],
    queue: {
      enqueue(trigger, pull): Enqueued {
        runs.push({ trigger, pull });
        const id = `r${runs.length}`;
        views.set(id, {
          id,
          state: "queued",
          triggers: [trigger],
          pull,
          queuedAt: "2026-12-01T12:00:00.000Z",
        });
        return { ok: true, id, coalesced: false };
      },
      get: (id) => views.get(id),
    },
    deliveries: new DeliveryLog(undefined, 0),
    services: () => ["web", "twoslr"],
    status: () => statusView("pi", undefined, [], new Date("2026-12-01T12:00:00Z")),
    statusLogins: undefined,
    health: () => ({ ok: true, status: "ok" }),
    metrics: new Metrics("server"),
    now: () => new Date("2026-12-01T12:00:00Z"),
    log: (m) => void logs.push(m),
    ...over,
  };
  return { app, runs, logs };
}

async function signed(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Request> {
  return new Request(`${BASE}${path}`, {
    method: "POST",
    body,
    headers: { "x-hub-signature-256": `sha256=${await signBody(SECRET, enc(body))}`, ...headers },
  });
}

async function call(
  h: Harness,
  req: Request,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await handle(req, h.app);
  const text = await res.text();
  return {
    status: res.status,
    body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : { text },
  };
}

Deno.test({
  name: "POST /deploy-all-changed signed with an empty body (seed 001's CI) queues one run",
  permissions: "none",
  async fn() {
    const h = harness();
    const r = await call(h, await signed("/deploy-all-changed", ""));
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, { status: "queued", run: "r1", url: "/runs/r1" });
    assert.deepEqual(h.runs, [{ trigger: "webhook", pull: [] }]);
  },
});

Deno.test({
  name: "POST /redeploy-and-update/<service> with seed 001's exact request queues a run for it",
  permissions: "none",
  async fn() {
    const h = harness();
    const r = await call(
      h,
      await signed("/redeploy-and-update/twoslr", '{"action":"published"}', {
        "x-github-event": "package",
        "content-type": "application/json",
      }),
    );
    assert.equal(r.status, 202);
    assert.equal(r.body.run, "r1");
    assert.match(String(r.body.note), /images are pulled; it restarts only when one changed/);
    assert.deepEqual(h.runs, [{ trigger: "webhook", pull: ["twoslr"] }]);
  },
});

const refusals: { name: string; req: () => Promise<Request>; status: number; reason: RegExp }[] = [
  {
    name: "unsigned",
    req: () =>
      Promise.resolve(new Request(`${BASE}/deploy-all-changed`, { method: "POST", body: "" })),
    status: 401,
    reason: /unsigned/,
  },
  {
    name: "signed with another secret",
    req: async () =>
      new Request(`${BASE}/deploy-all-changed`, {
        method: "POST",
        body: "",
        headers: {
          "x-hub-signature-256": `sha256=${await signBody(
            await webhookSecret(enc("nope")),
            enc(""),
          )}`,
        },
      }),
    status: 401,
    reason: /does not match/,
  },
  {
    name: "a body altered after signing",
    req: async () =>
      new Request(`${BASE}/deploy-all-changed`, {
        method: "POST",
        body: "{}",
        headers: { "x-hub-signature-256": `sha256=${await signBody(SECRET, enc(""))}` },
      }),
    status: 401,
    reason: /does not match/,
  },
  {
    name: "a body over the limit",
    req: () => signed("/deploy-all-changed", "x".repeat(2000)),
    status: 413,
    reason: /body over 1024 bytes/,
  },
  {
    name: "a malformed delivery id",
    req: () => signed("/deploy-all-changed", "", { "x-github-delivery": "a\tb" }),
    status: 400,
    reason: /delivery id/,
  },
  {
    name: "an unknown service, signed",
    req: () => signed("/redeploy-and-update/nope", "{}"),
    status: 404,
    reason: /no service nope/,
  },
  {
    name: "an unknown service, unsigned (nothing learnt about the services)",
    req: () => Promise.resolve(new Request(`${BASE}/redeploy-and-update/nope`, { method: "POST" })),
    status: 401,
    reason: /unsigned/,
  },
  {
    name: "a service name with .. (the URL parser resolves it away)",
    req: () => signed("/redeploy-and-update/..", "{}"),
    status: 405,
    reason: /status takes GET/,
  },
  {
    name: "an encoded slash in the service name",
    req: () => signed("/redeploy-and-update/web%2f..%2fetc", "{}"),
    status: 400,
    reason: /not a service name/,
  },
  {
    name: "an encoded dot-dot (resolved away as well)",
    req: () => signed("/redeploy-and-update/%2e%2e", "{}"),
    status: 405,
    reason: /status takes GET/,
  },
  {
    name: "a service name starting with a dot",
    req: () => signed("/redeploy-and-update/.hidden", "{}"),
    status: 400,
    reason: /not a service name/,
  },
  {
    name: "a path below the service",
    req: () => signed("/redeploy-and-update/web/x", "{}"),
    status: 404,
    reason: /no endpoint/,
  },
  {
    name: "an unknown path",
    req: () => signed("/deploy", ""),
    status: 404,
    reason: /no endpoint \/deploy/,
  },
  {
    name: "GET on a webhook",
    req: () => Promise.resolve(new Request(`${BASE}/deploy-all-changed`)),
    status: 405,
    reason: /takes POST/,
  },
  {
    name: "POST on /health",
    req: () => Promise.resolve(new Request(`${BASE}/health`, { method: "POST" })),
    status: 405,
    reason: /takes GET/,
  },
  {
    name: "an unknown source hook",
    req: () => signed("/hooks/other", ""),
    status: 404,
    reason: /no source other/,
  },
];

for (const c of refusals) {
  Deno.test({
    name: `a request ${c.name} is refused with ${c.status} and starts nothing`,
    permissions: "none",
    async fn() {
      const h = harness();
      const r = await call(h, await c.req());
      assert.equal(r.status, c.status);
      assert.match(String(r.body.reason), c.reason);
      assert.deepEqual(h.runs, []);
      for (const l of h.logs) assert.doesNotMatch(l, /mysecret|sha256=/);
    },
  });
}

Deno.test({
  name: "a replayed delivery is refused with 409; another delivery id is accepted",
  permissions: "none",
  async fn() {
    const h = harness();
    const first = await call(
      h,
      await signed("/deploy-all-changed", "", { "x-github-delivery": "d-1" }),
    );
    const replay = await call(
      h,
      await signed("/deploy-all-changed", "", { "x-github-delivery": "d-1" }),
    );
    const other = await call(
      h,
      await signed("/deploy-all-changed", "", { "x-github-delivery": "d-2" }),
    );
    assert.deepEqual([first.status, replay.status, other.status], [202, 409, 202]);
    assert.match(String(replay.body.reason), /replay/);
    assert.equal(h.runs.length, 2);
    assert.equal(h.logs.length, 1);
    assert.match(h.logs[0] ?? "", /^POST \/deploy-all-changed: 409/);
  },
});

Deno.test({
  name: "webhooks answer 503 when no secret is configured, before reading anything",
  permissions: "none",
  async fn() {
    const h = harness({ secret: undefined });
    const r = await call(h, await signed("/deploy-all-changed", ""));
    assert.equal(r.status, 503);
    assert.match(String(r.body.reason), /webhook_secret_file/);
  },
});

Deno.test({
  name: "GitHub's ping gets pong; filtered events and refs are acknowledged and ignored",
  permissions: "none",
  async fn() {
    const h = harness({ events: ["push"], refs: ["refs/heads/main"] });
    const ping = await call(
      h,
      await signed("/deploy-all-changed", "{}", { "x-github-event": "ping" }),
    );
    assert.deepEqual([ping.status, ping.body], [200, { status: "pong" }]);
    const pkg = await call(
      h,
      await signed("/deploy-all-changed", "{}", { "x-github-event": "package" }),
    );
    assert.deepEqual([pkg.status, pkg.body.status], [202, "ignored"]);
    const other = await call(
      h,
      await signed("/deploy-all-changed", '{"ref":"refs/heads/dev"}', { "x-github-event": "push" }),
    );
    assert.deepEqual([other.status, other.body.status], [202, "ignored"]);
    assert.deepEqual(h.runs, []);
    const main = await call(
      h,
      await signed("/deploy-all-changed", '{"ref":"refs/heads/main"}', {
        "x-github-event": "push",
      }),
    );
    assert.deepEqual([main.status, main.body.status], [202, "queued"]);
    assert.equal(h.runs.length, 1);
  },
});

Deno.test({
  name:
    "GitLab's token authenticates /hooks/<source>; a source's own secret replaces the shared one",
  permissions: "none",
  async fn() {
    const own = await webhookSecret(enc("apps-secret"));
    const h = harness({ sourceSecrets: new Map([["apps", own]]) });
    const gitlab = (source: string, token: string) =>
      new Request(`${BASE}/hooks/${source}`, {
        method: "POST",
        body: "{}",
        headers: { "x-gitlab-token": token, "x-gitlab-event": "Push Hook" },
      });
    assert.equal((await call(h, gitlab("main", "mysecret"))).status, 202);
    assert.equal((await call(h, gitlab("apps", "mysecret"))).status, 401);
    assert.equal((await call(h, gitlab("apps", "apps-secret"))).status, 202);
    assert.equal(h.runs.length, 2);
  },
});

Deno.test({
  name: "GET /runs/<id> shows a run; unknown and malformed ids are 404",
  permissions: "none",
  async fn() {
    const h = harness();
    await call(h, await signed("/deploy-all-changed", ""));
    const r = await call(h, new Request(`${BASE}/runs/r1`));
    assert.equal(r.status, 200);
    assert.equal(r.body.id, "r1");
    assert.equal((await call(h, new Request(`${BASE}/runs/r9`))).status, 404);
    assert.equal((await call(h, new Request(`${BASE}/runs/r1x`))).status, 404);
    assert.equal((await call(h, new Request(`${BASE}/runs/%2e%2e%2fetc`))).status, 404);
  },
});

Deno.test({
  name: "GET /health is 200 when healthy, 503 when the last run could not fetch",
  permissions: "none",
  async fn() {
    assert.equal((await call(harness(), new Request(`${BASE}/health`))).status, 200);
    const failing = harness({ health: () => ({ ok: false, status: "failing" }) });
    const r = await call(failing, new Request(`${BASE}/health`));
    assert.deepEqual([r.status, r.body.status], [503, "failing"]);
  },
});

Deno.test({
  name: "GET /metrics counts requests by route name, never by raw path",
  permissions: "none",
  async fn() {
    const h = harness();
    await call(h, await signed("/deploy-all-changed", ""));
    await call(h, new Request(`${BASE}/no/such/secret-looking/path`));
    const res = await handle(new Request(`${BASE}/metrics`), h.app);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(
      text,
      /hoist_webhook_requests_total\{endpoint="deploy-all-changed",status="202"\} 1/,
    );
    assert.match(text, /hoist_webhook_requests_total\{endpoint="unknown",status="404"\} 1/);
    assert.doesNotMatch(text, /secret-looking/);
  },
});

Deno.test({
  name:
    "GET / is the status page (no scripts allowed), /status.json its data; both behind a login when set",
  permissions: "none",
  async fn() {
    const open = harness();
    const page = await handle(new Request(`${BASE}/`), open.app);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.match(await page.text(), /<title>hoist on pi<\/title>/);
    const data = await call(open, new Request(`${BASE}/status.json`));
    assert.equal(data.body.host, "pi");
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", enc("admin:pw")));
    const locked = harness({ statusLogins: [digest] });
    const anon = await handle(new Request(`${BASE}/`), locked.app);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get("www-authenticate") ?? "", /^Basic realm="hoist"/);
    await anon.body?.cancel();
    const wrong = await handle(
      new Request(`${BASE}/status.json`, {
        headers: { authorization: `Basic ${btoa("admin:nope")}` },
      }),
      locked.app,
    );
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const right = await call(
      locked,
      new Request(`${BASE}/status.json`, {
        headers: { authorization: `Basic ${btoa("admin:pw")}` },
      }),
    );
    assert.equal(right.status, 200);
  },
});
