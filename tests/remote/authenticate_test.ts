/**
 * authenticateRemote() with real keys and the real ssh-keygen: the service's key is let in, a key
 * of another service is known but refused (403), unknown keys, stale, future, replayed, tampered
 * and unsigned requests are not authenticated (401), and nothing is spawned before the cheap
 * checks pass.
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import { createRunner, type Runner } from "../../lib/adapters/run_command.ts";
import { createSshSign } from "../../lib/adapters/ssh_sign.ts";
import { authenticateRemote, type SignedRequest } from "../../lib/remote/authenticate.ts";
import { REMOTE_NAMESPACE } from "../../lib/remote/canonical.ts";
import { NonceLog } from "../../lib/remote/nonces.ts";
import { repoKeys } from "../../lib/remote/repo_keys.ts";
import { signRequest } from "../../lib/remote/sign_request.ts";
import { makeKey, type TestKey } from "./keys.ts";

const dir = await Deno.makeTempDir();
const [alice, bob, ops, mallory] = await Promise.all(
  ["alice", "bob", "ops", "mallory"].map((n) => makeKey(dir, n)),
) as [TestKey, TestKey, TestKey, TestKey];
const enc = (s: string) => new TextEncoder().encode(s);
const { keys } = repoKeys([{
  kind: "host-folders",
  root: "pi",
  tree: {
    revision: "c0ffee",
    entries: new Map([
      ["pi/web/ssh/alice.pub", { kind: "file", data: enc(alice.pub) }],
      ["pi/db/ssh/bob.pub", { kind: "file", data: enc(bob.pub) }],
      ["pi/ssh/ops.pub", { kind: "file", data: enc(ops.pub) }],
    ]),
  },
}], []);
let spawned = 0;
const real = createRunner();
const counting: Runner = (spec) => (spawned++, real(spec));
const ssh = createSshSign(counting, createFs());
const NOW = 1_796_163_045_000;
let serial = 0;

async function request(
  key: TestKey,
  path: string,
  opts: { method?: string; body?: string; signedAt?: number; nonce?: string; namespace?: string } =
    {},
): Promise<SignedRequest> {
  const url = new URL(`http://127.0.0.1:9321${path}`);
  const method = opts.method ?? "GET";
  const body = enc(opts.body ?? "");
  const headers = await signRequest(method, url, body, {
    nowMs: opts.signedAt ?? NOW,
    nonce: opts.nonce ?? `nonce-${String(++serial).padStart(12, "0")}`,
    sign: (m) => ssh.sign({ kind: "file", path: key.path }, opts.namespace ?? REMOTE_NAMESPACE, m),
  });
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: new Headers(headers),
    body,
  };
}

const web = { kind: "service", service: "web" } as const;
const check = (
  req: SignedRequest,
  target: typeof web | { kind: "host" } = web,
  nonces = new NonceLog(),
) => authenticateRemote(req, target, { keys, nonces, verify: ssh.verify, nowMs: NOW });

Deno.test("authenticateRemote(): the service's key and a host key are let in, with their principal", async () => {
  const a = await check(await request(alice, "/api/v1/services/web/ping"));
  assert.deepEqual(a, {
    ok: true,
    principal: {
      fingerprint: keys.find((k) => k.file.endsWith("alice.pub"))!.key.fingerprint,
      comment: "alice@test",
    },
  });
  const o = await check(await request(ops, "/api/v1/services/web/ping"));
  assert.equal(o.ok, true);
  const plan = await check(await request(ops, "/api/v1/plan", { method: "POST" }), {
    kind: "host",
  });
  assert.equal(plan.ok, true, "a host key may plan");
});

Deno.test("authenticateRemote(): another service's key is authenticated, then refused with 403", async () => {
  const r = await check(await request(bob, "/api/v1/services/web/ps"));
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.status, 403);
  assert.match(!r.ok ? r.reason : "", /may not operate web: it is not in web's ssh\/ folder/);
  assert.equal(!r.ok && r.principal?.comment, "bob@test");
  const plan = await check(await request(alice, "/api/v1/apply", { method: "POST" }), {
    kind: "host",
  });
  assert.equal(!plan.ok && plan.status, 403, "a service key may not apply the host");
});

Deno.test("authenticateRemote(): unknown key, stale, future, replayed, tampered, other namespace, unsigned → 401", async () => {
  const nonces = new NonceLog();
  const once = await request(alice, "/api/v1/services/web/logs?tail=5", {
    nonce: "replay-nonce-0001",
  });
  const tampered = await request(alice, "/api/v1/services/web/logs?tail=5");
  const cases: [string, SignedRequest, RegExp][] = [
    [
      "unknown key",
      await request(mallory, "/api/v1/services/web/ping"),
      /is in no ssh\/ folder of the deployed commit/,
    ],
    [
      "stale",
      await request(alice, "/api/v1/services/web/ping", { signedAt: NOW - 61_000 }),
      /signed 61 s ago/,
    ],
    [
      "future",
      await request(alice, "/api/v1/services/web/ping", { signedAt: NOW + 30_000 }),
      /in the future/,
    ],
    [
      "other namespace",
      await request(alice, "/api/v1/services/web/ping", { namespace: "git" }),
      /namespace "git"/,
    ],
    ["query changed", { ...tampered, query: new URLSearchParams("tail=10000") }, /does not verify/],
    ["path changed", { ...tampered, path: "/api/v1/services/web/stop" }, /does not verify/],
    ["method changed", { ...tampered, method: "POST" }, /does not verify/],
    ["body changed", { ...tampered, body: enc("x") }, /does not verify/],
    ["unsigned", { ...tampered, headers: new Headers() }, /^unsigned/],
  ];
  for (const [what, req, want] of cases) {
    const r = await check(req, web, nonces);
    assert.equal(!r.ok && r.status, 401, what);
    assert.match(!r.ok ? r.reason : "", want, what);
  }
  assert.equal((await check(once, web, nonces)).ok, true);
  const again = await check(once, web, nonces);
  assert.match(!again.ok ? again.reason : "", /already used \(a replayed request\)/);
});

Deno.test("authenticateRemote(): a bad signature gives its nonce back; nothing is spawned for stale or unknown", async () => {
  const nonces = new NonceLog();
  const good = await request(alice, "/api/v1/services/web/ping", { nonce: "shared-nonce-0001" });
  const forged = { ...good, path: "/api/v1/services/web/stop" };
  assert.equal((await check(forged, web, nonces)).ok, false);
  assert.equal(
    (await check(good, web, nonces)).ok,
    true,
    "the forged request did not burn the nonce",
  );
  const stale = await request(alice, "/api/v1/services/web/ping", { signedAt: NOW - 120_000 });
  const unknown = await request(mallory, "/api/v1/services/web/ping");
  spawned = 0;
  await check(stale, web, nonces);
  await check(unknown, web, nonces);
  assert.equal(spawned, 0);
});

globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
