/**
 * Remote control end to end on loopback: a real `hoist serve` (FAKE podman + systemd + journal, see
 * serve_helpers.ts), keys made by the real ssh-keygen and committed in the repository, and the
 * real `hoist remote` client as its own process. The service's key gets ping, ps and logs; another
 * service's key, a key a later deployed commit removes, a replayed and a stale request are refused;
 * every request is recorded in remote.db.
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { createSshSign } from "../../lib/adapters/ssh_sign.ts";
import { REMOTE_NAMESPACE } from "../../lib/remote/canonical.ts";
import { signRequest } from "../../lib/remote/sign_request.ts";
import { openRemoteStore } from "../../lib/state/remote_store.ts";
import { runRemote as remote } from "../remote/client.ts";
import { makeKey } from "../remote/keys.ts";
import { skipWithoutQuadlet, withTempDir } from "./helpers.ts";
import { served, sh } from "./serve_helpers.ts";

const ignore = skipWithoutQuadlet();

Deno.test({
  name:
    "hoist remote against hoist serve: the service's key operates it; others, removed keys, replays and stale requests are refused and recorded",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const alice = await makeKey(dir, "alice");
      const bob = await makeKey(dir, "bob");
      const admin = await makeKey(dir, "admin");
      const s = await served(dir, {
        serveToml: `\n[remote]\nadmin_keys = ["${admin.path}.pub"]\n`,
        files: {
          "gitops/demo-host/web/ssh/alice.pub": `${alice.pub}\n`,
          "gitops/demo-host/db/ssh/keys": `# the db people\n${bob.pub}\nnot a key line\n`,
        },
      });
      try {
        const target = s.url.replace(/^http:\/\//, "");
        const ping = await remote([`${target}:web//ping`, "-i", alice.path]);
        assert.equal(ping.code, 0, ping.err);
        assert.match(ping.out, /^pong \(SHA256:\S+ \(alice@test\)\)\n$/);

        const ps = await remote([target, "web", "ps"], {
          HOIST_REMOTE_KEY: await Deno.readTextFile(alice.path),
        });
        assert.equal(ps.code, 0, ps.err);
        const web = s.host.fake.containers().find((c) => c.labels["gitops-service"] === "web");
        assert.ok(web, "the fake host runs web");
        assert.match(ps.out, /^NAME\s+IMAGE\s+STATE\s+HEALTH\s+STARTED\s+PORTS\n/);
        assert.match(
          ps.out,
          new RegExp(`^${web.name}\\s+docker.io/library/busybox:1.36\\s+running`, "m"),
        );

        const logs = await remote([target, "web", "logs", "--tail", "5", "-i", alice.path]);
        assert.equal(logs.code, 0, logs.err);
        assert.match(logs.out, new RegExp(`${web.unit}\\[1\\]: container ${web.name} running`));

        const other = await remote([target, "web", "ps", "-i", bob.path]);
        assert.equal(other.code, 3, other.err);
        assert.match(other.err, /ps unauthorised \(403\): key SHA256:\S+ may not operate web/);
        const own = await remote([target, "db", "ping", "-i", bob.path]);
        assert.equal(own.code, 0, `the db key still works next to a malformed line: ${own.err}`);

        // replayed and stale: signed here with the real ssh-keygen, sent twice / late
        const ssh = createSshSign(createRunner(), createFs());
        const url = new URL(`${s.url}/api/v1/services/web/ping`);
        const send = async (nowMs: number, nonce: string) => {
          const headers = await signRequest("GET", url, new Uint8Array(), {
            nowMs,
            nonce,
            sign: (m) => ssh.sign({ kind: "file", path: alice.path }, REMOTE_NAMESPACE, m),
          });
          const r = await fetch(url, { headers });
          return { status: r.status, body: await r.json() as { reason?: string } };
        };
        const first = await send(Date.now(), "integration-replay-1");
        assert.equal(first.status, 200);
        const replay = await send(Date.now(), "integration-replay-1");
        assert.equal(replay.status, 401);
        assert.match(replay.body.reason ?? "", /replayed/);
        const stale = await send(Date.now() - 90_000, "integration-stale-01");
        assert.equal(stale.status, 401);
        assert.match(stale.body.reason ?? "", /signed 9\d s ago/);

        // a later deployed commit drops alice's key: she is refused once it is deployed
        await s.host.repo.commit({ "gitops/demo-host/web/ssh/alice.pub": null }, "drop alice");
        const run = JSON.parse(
          await sh(
            `curl -sS -X POST ${s.url}/deploy-all-changed -H "X-Hub-Signature-256: sha256=$(printf '' | openssl dgst -sha256 -hmac "$GITOPS_WEBHOOK_SECRET" | cut -d ' ' -f2)"`,
          ),
        ) as { run: string };
        await s.done(run.run);
        const removed = await remote([`${target}:web//ping`, "-i", alice.path]);
        assert.equal(removed.code, 3, removed.err);
        assert.match(
          removed.err,
          /ping unauthorised \(401\): key SHA256:\S+ is in no ssh\/ folder of the deployed commit/,
        );

        const plan = await remote([target, "plan", "-i", admin.path]);
        assert.equal(plan.code, 0, `an admin key of the agent config may plan: ${plan.err}`);
        assert.match(plan.out, /"actions"/);
        const applyByService = await remote([target, "apply", "-i", bob.path]);
        assert.equal(applyByService.code, 3, applyByService.err);

        const unreachable = await remote(["127.0.0.1:1:web//ping", "-i", alice.path]);
        assert.equal(unreachable.code, 4, unreachable.err);

        const store = openRemoteStore(`${s.host.stateDir}/remote.db`);
        try {
          const records = store.records(100).reverse().map((r) =>
            `${r.op} ${r.service} ${r.status} ${r.result} ${r.comment || "-"}`
          );
          assert.deepEqual(records, [
            "ping web 200 ok alice@test",
            "ps web 200 ok alice@test",
            "logs web 200 ok alice@test",
            "ps web 403 refused bob@test",
            "ping db 200 ok bob@test",
            "ping web 200 ok alice@test",
            "ping web 401 refused -",
            "ping web 401 refused -",
            "ping web 401 refused -",
            "plan  200 ok admin@test",
            "apply  403 refused bob@test",
          ]);
        } finally {
          store.close();
        }
      } finally {
        await s.stop();
      }
    });
  },
});
