/**
 * The remote API of `hoist serve` (`/api/v1/…`) through `handle()` with Request objects: real keys
 * and the real ssh-keygen verify the signatures; podman, the journal and systemctl are recording
 * fakes (named by the account they act for), so each test says exactly what ran where. Every request is recorded, and a refused one runs
 * nothing.
 */
import assert from "node:assert/strict";
import { HoistError } from "../../lib/errors.ts";
import { createFs } from "../../lib/adapters/fs.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { createSshSign } from "../../lib/adapters/ssh_sign.ts";
import type { ApiService, RemoteApp, ServiceManager } from "../../lib/remote/api.ts";
import { REMOTE_NAMESPACE } from "../../lib/remote/canonical.ts";
import { NonceLog } from "../../lib/remote/nonces.ts";
import { repoKeys } from "../../lib/remote/repo_keys.ts";
import { signRequest } from "../../lib/remote/sign_request.ts";
import { DeliveryLog } from "../../lib/server/deliveries.ts";
import { Metrics } from "../../lib/server/metrics.ts";
import { handle, type ServerApp } from "../../lib/server/routes.ts";
import { statusView } from "../../lib/server/status_view.ts";
import type { RemoteRecord, RemoteStop } from "../../lib/state/remote_store.ts";
import { makeKey, type TestKey } from "../remote/keys.ts";

const dir = await Deno.makeTempDir();
const [alice, bob, ops] = await Promise.all(
  ["alice", "bob", "ops"].map((n) => makeKey(dir, n)),
) as [
  TestKey,
  TestKey,
  TestKey,
];
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const enc = (s: string) => new TextEncoder().encode(s);
const ssh = createSshSign(createRunner(), createFs());
const NOW = new Date("2026-12-01T12:00:00Z");
const BASE = "http://127.0.0.1:9321";

const SERVICES: Record<string, ApiService> = {
  web: {
    kind: "ready",
    units: ["gitops-web.service", "web-net-network.service"],
    entry: ["gitops-web.service"],
    hash: "0123456789abcdef",
  },
  db: {
    kind: "ready",
    units: ["gitops-db.service"],
    entry: ["gitops-db.service"],
    hash: "fedcba9876543210",
  },
  broken: { kind: "blocked", reason: "error: pi/broken/manifest.yml:3: Image must be a string" },
  cache: {
    kind: "ready",
    units: ["gitops-cache.service"],
    entry: ["gitops-cache.service"],
    hash: "00000000cafecafe",
    user: "app",
  },
  lost: {
    kind: "ready",
    units: ["gitops-lost.service"],
    entry: ["gitops-lost.service"],
    hash: "1111111111111111",
    user: "ghost",
  },
  moved: {
    kind: "blocked",
    reason:
      "it runs for account app, the commit wants hoist's own manager: hoist does not move a running service between managers",
    user: "app",
  },
};

interface Harness {
  app: ServerApp;
  calls: string[];
  records: RemoteRecord[];
  stops: Map<string, RemoteStop>;
  /** The services recorded as stopped when each systemctl stop ran. */
  stoppedAtStop: string[];
}

function harness(opts: { failStop?: boolean } = {}): Harness {
  const calls: string[] = [];
  const records: RemoteRecord[] = [];
  const stops = new Map<string, RemoteStop>();
  const stoppedAtStop: string[] = [];
  const { keys } = repoKeys([{
    kind: "host-folders",
    root: "pi",
    tree: {
      revision: "c0ffee",
      entries: new Map([
        ["pi/web/ssh/alice.pub", { kind: "file", data: enc(`${alice.pub}\n`) }],
        ["pi/db/ssh/keys", { kind: "file", data: enc(`${bob.pub}\n`) }],
        ["pi/ssh/ops.pub", { kind: "file", data: enc(`${ops.pub}\n`) }],
      ]),
    },
  }], []);
  const managerOf = (user: string | undefined): ServiceManager => {
    const at = user === undefined ? "" : `as ${user}: `;
    return {
      podman: {
        containers(service) {
          calls.push(`${at}podman ps ${service}`);
          return Promise.resolve([{
            name: service,
            image: "localhost/busybox:latest",
            state: "running",
            health: "healthy",
            started: "2026-12-01T11:59:00.000Z",
            ports: ["127.0.0.1:19001->80/tcp"],
          }]);
        },
      },
      journal: {
        logs(units, opts) {
          calls.push(
            `${at}journalctl ${units.join(",")} tail=${opts.tail} since=${opts.since ?? "-"}`,
          );
          return Promise.resolve({
            text: "2026-12-01T11:59:01+00:00 pi web[1]: hello\n",
            truncated: false,
          });
        },
      },
      control(verb: string, units: readonly string[]) {
        calls.push(`${at}systemctl ${verb} ${units.join(",")}`);
        if (verb === "stop") stoppedAtStop.push([...stops.keys()].join(","));
        if (verb === "stop" && opts.failStop === true) {
          return Promise.reject(
            new HoistError("command-failed", "systemctl stop failed (exit 1): Access denied"),
          );
        }
        return Promise.resolve();
      },
    };
  };
  const remote: RemoteApp = {
    keys: () => keys,
    nonces: new NonceLog(),
    verify: ssh.verify,
    bodyLimit: 1024,
    service: (name) => SERVICES[name],
    manager: (user) =>
      Promise.resolve(
        user === "ghost"
          ? { ok: false, reason: "no account ghost on this host" }
          : { ok: true, value: managerOf(user) },
      ),
    plan() {
      calls.push("plan");
      return Promise.resolve({ ok: true, body: { plan: { actions: [] } } });
    },
    apply() {
      calls.push("apply");
      return Promise.resolve({ ok: true, body: { run: "r2" } });
    },
    pull(service) {
      calls.push(`pull ${service}`);
      return Promise.resolve(
        service === "db"
          ? { ok: false, reason: "cannot pull docker.io/library/postgres:16: unauthorized" }
          : { ok: true, body: { restarted: true } },
      );
    },
    store: {
      record: (r) => void records.push(r),
      stop: (s) => void stops.set(s.service, s),
      unstop: (s) => void stops.delete(s),
    },
    now: () => NOW,
  };
  const app: ServerApp = {
    secret: undefined,
    sourceSecrets: new Map(),
    sources: ["main"],
    bodyLimit: 1024,
    events: [],
    refs: [],
    queue: { enqueue: () => ({ ok: false, reason: "no runs here" }), get: () => undefined },
    deliveries: new DeliveryLog(undefined, 0),
    services: () => ["web", "db"],
    status: () => statusView("pi", undefined, [], NOW),
    statusLogins: undefined,
    health: () => ({ ok: true }),
    metrics: new Metrics("server"),
    now: () => NOW,
    log: () => {},
    remote,
  };
  return { app, calls, records, stops, stoppedAtStop };
}

let serial = 0;
async function signed(
  key: TestKey,
  method: string,
  path: string,
  opts: { body?: string; signedAt?: Date; nonce?: string } = {},
): Promise<Request> {
  const url = new URL(`${BASE}${path}`);
  const body = opts.body ?? "";
  const headers = await signRequest(method, url, enc(body), {
    nowMs: (opts.signedAt ?? NOW).getTime(),
    nonce: opts.nonce ?? `api-test-nonce-${++serial}`,
    sign: (m) => ssh.sign({ kind: "file", path: key.path }, REMOTE_NAMESPACE, m),
  });
  return new Request(url, { method, headers, ...(method === "GET" ? {} : { body }) });
}

async function call(h: Harness, req: Request) {
  const res = await handle(req, h.app);
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

Deno.test("remote API: the service's key gets pong, ps and logs; each request is recorded with its principal", async () => {
  const h = harness();
  const ping = await call(h, await signed(alice, "GET", "/api/v1/services/web/ping"));
  assert.equal(ping.status, 200, JSON.stringify(ping.body));
  assert.equal(ping.body.pong, true);
  assert.match(String(ping.body.principal), /^SHA256:\S+ \(alice@test\)$/);
  const ps = await call(h, await signed(alice, "GET", "/api/v1/services/web/ps"));
  assert.equal(ps.status, 200);
  assert.deepEqual((ps.body.containers as { name: string }[]).map((c) => c.name), ["web"]);
  const logs = await call(
    h,
    await signed(alice, "GET", "/api/v1/services/web/logs?tail=50&since=15m"),
  );
  assert.equal(logs.status, 200);
  assert.match(String(logs.body.text), /hello/);
  assert.deepEqual(h.calls, [
    "podman ps web",
    "journalctl gitops-web.service,web-net-network.service tail=50 since=15min ago",
  ]);
  assert.deepEqual(
    h.records.map((r) => `${r.op} ${r.service} ${r.status} ${r.result} ${r.comment}`),
    [
      "ping web 200 ok alice@test",
      "ps web 200 ok alice@test",
      "logs web 200 ok alice@test",
    ],
  );
  assert.ok(
    h.records.every((r) => r.fingerprint.startsWith("SHA256:") && r.at === NOW.toISOString()),
  );
});

Deno.test("remote API: a stop that systemd refuses is a 502 and leaves no stop recorded", async () => {
  const h = harness({ failStop: true });
  const r = await call(h, await signed(alice, "POST", "/api/v1/services/web/stop"));
  assert.equal(r.status, 502, JSON.stringify(r.body));
  assert.match(String(r.body.reason), /Access denied/);
  assert.equal(h.stops.size, 0);
  assert.equal(h.records.at(-1)?.result, "failed");
});

Deno.test("remote API: stop records who stopped it with the service's hash; start clears it", async () => {
  const h = harness();
  assert.equal(
    (await call(h, await signed(alice, "POST", "/api/v1/services/web/stop"))).status,
    200,
  );
  const stop = h.stops.get("web");
  assert.equal(stop?.hash, "0123456789abcdef");
  assert.deepEqual(
    h.stoppedAtStop,
    ["web"],
    "recorded before the units stop: a run meanwhile leaves them down",
  );
  assert.match(stop?.principal ?? "", /\(alice@test\)$/);
  assert.equal(
    (await call(h, await signed(ops, "POST", "/api/v1/services/web/start"))).status,
    200,
  );
  assert.equal(h.stops.size, 0);
  assert.equal(
    (await call(h, await signed(alice, "POST", "/api/v1/services/web/restart"))).status,
    200,
  );
  assert.deepEqual(h.calls, [
    "systemctl stop gitops-web.service",
    "systemctl start gitops-web.service",
    "systemctl restart gitops-web.service",
  ]);
});

Deno.test("remote API: plan and apply are for host keys; a service key gets 403", async () => {
  const h = harness();
  assert.equal((await call(h, await signed(ops, "POST", "/api/v1/plan"))).status, 200);
  assert.equal((await call(h, await signed(ops, "POST", "/api/v1/apply"))).status, 200);
  const refused = await call(h, await signed(alice, "POST", "/api/v1/apply"));
  assert.equal(refused.status, 403);
  assert.match(String(refused.body.reason), /plan and apply need a key of the host's ssh\/ folder/);
  assert.deepEqual(h.calls, ["plan", "apply"]);
});

Deno.test("remote API: bad input is refused with its status and reason, runs nothing, and is recorded", async () => {
  const h = harness();
  const unsigned = new Request(`${BASE}/api/v1/services/web/ps`);
  const tampered = await signed(alice, "GET", "/api/v1/services/web/logs?tail=5");
  const replay = await signed(alice, "GET", "/api/v1/services/web/ping", {
    nonce: "replayed-nonce-0001",
  });
  assert.equal((await call(h, replay)).status, 200);
  const cases: [string, Request, number, RegExp][] = [
    ["unsigned", unsigned, 401, /^unsigned/],
    [
      "tampered query",
      new Request(`${BASE}/api/v1/services/web/logs?tail=10000`, { headers: tampered.headers }),
      401,
      /does not verify/,
    ],
    [
      "replayed",
      await signed(alice, "GET", "/api/v1/services/web/ping", { nonce: "replayed-nonce-0001" }),
      401,
      /replayed/,
    ],
    [
      "stale",
      await signed(alice, "GET", "/api/v1/services/web/ping", {
        signedAt: new Date(NOW.getTime() - 120_000),
      }),
      401,
      /signed 120 s ago/,
    ],
    [
      "another service's key",
      await signed(bob, "GET", "/api/v1/services/web/ps"),
      403,
      /may not operate web/,
    ],
    [
      "dot-dot (resolved by URL, then refused)",
      await signed(alice, "GET", "/api/v1/services/%2e%2e/ps"),
      400,
      /ps needs a service/,
    ],
    [
      "encoded slash",
      await signed(alice, "GET", "/api/v1/services/web%2F..%2Fdb/ps"),
      400,
      /not a service name/,
    ],
    [
      "tail=-1",
      await signed(alice, "GET", "/api/v1/services/web/logs?tail=-1"),
      400,
      /tail must be a whole number from 1 to 10000/,
    ],
    [
      "tail=10^9",
      await signed(alice, "GET", "/api/v1/services/web/logs?tail=1000000000"),
      400,
      /tail must be/,
    ],
    [
      "since",
      await signed(alice, "GET", "/api/v1/services/web/logs?since=yesterday"),
      400,
      /since must be/,
    ],
    [
      "unknown query",
      await signed(alice, "GET", "/api/v1/services/web/ps?all=1"),
      400,
      /ps takes no query/,
    ],
    [
      "unknown op",
      await signed(alice, "GET", "/api/v1/services/web/exec"),
      400,
      /unknown operation exec/,
    ],
    [
      "wrong method",
      await signed(alice, "GET", "/api/v1/services/web/stop"),
      405,
      /stop takes POST/,
    ],
    [
      "body over the limit",
      await signed(alice, "POST", "/api/v1/services/web/stop", { body: "x".repeat(2000) }),
      413,
      /body over 1024 bytes/,
    ],
    [
      "unknown service",
      await signed(ops, "GET", "/api/v1/services/nope/ps"),
      404,
      /no service nope/,
    ],
    [
      "blocked service",
      await signed(ops, "POST", "/api/v1/services/broken/restart"),
      409,
      /blocked in the deployed commit/,
    ],
  ];
  for (const [what, req, status, reason] of cases) {
    const before = h.records.length;
    const r = await call(h, req);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.match(String(r.body.reason), reason, what);
    assert.equal(h.records.length, before + 1, `${what} is recorded`);
    assert.equal(h.records.at(-1)?.status, status, what);
  }
  assert.deepEqual(h.calls, [], "nothing ran");
  const bobRecord = h.records.find((r) => r.status === 403);
  assert.equal(bobRecord?.comment, "bob@test", "a 403 names the key that was refused");
  assert.equal(h.records.find((r) => r.status === 401)?.fingerprint, "", "a 401 has no principal");
});

Deno.test("remote API: off (no RemoteApp) is 503, and the metrics count requests per operation", async () => {
  const h = harness();
  const { remote: _, ...withoutRemote } = h.app;
  const off = await handle(new Request(`${BASE}/api/v1/ping`), withoutRemote);
  assert.equal(off.status, 503);
  await off.body?.cancel();
  await call(h, await signed(alice, "GET", "/api/v1/services/web/ps"));
  await call(h, new Request(`${BASE}/api/v1/services/web/ps`));
  const text = await h.app.metrics.text();
  assert.match(text, /hoist_webhook_requests_total\{endpoint="api-ps",status="200"\} 1/);
  assert.match(text, /hoist_webhook_requests_total\{endpoint="api-ps",status="401"\} 1/);
});

Deno.test("POST /api/v1/services/<service>/pull pulls its images and says whether it restarted; a refused pull is 502", async () => {
  const h = harness();
  await call(h, await signed(alice, "POST", "/api/v1/services/web/stop"));
  assert.equal(h.stops.size, 1);
  const r = await call(h, await signed(alice, "POST", "/api/v1/services/web/pull"));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.restarted, true);
  assert.equal(h.stops.size, 0, "the pull restarted web: its stop no longer holds");
  assert.ok(h.calls.includes("pull web"), h.calls.join("; "));
  const refused = await call(h, await signed(bob, "POST", "/api/v1/services/db/pull"));
  assert.equal(refused.status, 502, JSON.stringify(refused.body));
  assert.match(String(refused.body.reason), /cannot pull .*unauthorized/);
  assert.equal(h.records.at(-1)?.result, "failed");
});

Deno.test("remote API: a service of another account is acted on through that account's podman, journal and manager", async () => {
  const h = harness();
  const ok = async (method: string, op: string, service = "cache") => {
    const r = await call(h, await signed(ops, method, `/api/v1/services/${service}/${op}`));
    assert.equal(r.status, 200, `${op}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.user, "app", `${op} names the account`);
    return r.body;
  };
  await ok("GET", "ps");
  assert.match(String((await ok("GET", "logs?tail=5")).text), /hello/);
  await ok("POST", "stop");
  assert.equal(h.stops.get("cache")?.hash, "00000000cafecafe", "its stop holds as any other's");
  await ok("POST", "start");
  assert.equal(h.stops.size, 0);
  await ok("POST", "restart");
  // blocked (the commit moved it to another manager): ps still finds it where it runs
  await ok("GET", "ps", "moved");
  assert.deepEqual(h.calls, [
    "as app: podman ps cache",
    "as app: journalctl gitops-cache.service tail=5 since=-",
    "as app: systemctl stop gitops-cache.service",
    "as app: systemctl start gitops-cache.service",
    "as app: systemctl restart gitops-cache.service",
    "as app: podman ps moved",
  ]);
});

Deno.test("remote API: an account service whose account is out of reach, or that was moved between managers, is a 409 that runs nothing", async () => {
  const h = harness();
  const cases: [string, string, string, RegExp][] = [
    ["GET", "lost", "ps", /^lost runs as ghost: no account ghost on this host$/],
    ["GET", "lost", "logs", /^lost runs as ghost: no account ghost on this host$/],
    ["POST", "lost", "restart", /^lost runs as ghost: no account ghost/],
    ["POST", "lost", "stop", /^lost runs as ghost: no account ghost/],
    ["POST", "lost", "start", /^lost runs as ghost: no account ghost/],
    [
      "POST",
      "moved",
      "stop",
      /moved is blocked .*runs for account app, the commit wants hoist's own/,
    ],
    ["GET", "moved", "logs", /moved is blocked/],
  ];
  for (const [method, service, op, reason] of cases) {
    const r = await call(h, await signed(ops, method, `/api/v1/services/${service}/${op}`));
    assert.equal(r.status, 409, `${service} ${op}: ${JSON.stringify(r.body)}`);
    assert.match(String(r.body.reason), reason, `${service} ${op}`);
    assert.equal(h.records.at(-1)?.result, "failed", `${service} ${op} is recorded`);
  }
  assert.deepEqual(h.calls, [], "nothing ran");
  assert.equal(h.stops.size, 0, "a refused stop records no stop");
});
