/**
 * Remote operations as notifications and "stop stays stopped", on loopback: a real `hoist serve`
 * (FAKE podman + systemd + journal, see serve_helpers.ts) with a `[[notify]]` webhook sink on a
 * real HTTP receiver (tests/notify/receivers.ts), keys made by the real ssh-keygen and committed in
 * the repository, and the real `hoist remote` client as its own process. A restart, a stop and a
 * start by the service's key, and another service's key refused, each reach the receiver with the
 * principal and the result; a read (`ps`) and an unsigned request do not. A run between the stop
 * and the start leaves web stopped, and says so in its plan and on the status page.
 */
import assert from "node:assert/strict";
import { runRemote as remote } from "../remote/client.ts";
import { makeKey } from "../remote/keys.ts";
import { httpReceiver } from "../notify/receivers.ts";
import { skipWithoutQuadlet, withTempDir } from "./helpers.ts";
import { served, sh, waitFor } from "./serve_helpers.ts";

const ignore = skipWithoutQuadlet();
const dec = new TextDecoder();

interface Told {
  schema: string;
  title: string;
  event: { kind: string; service: string; summary: string; host: string };
}

Deno.test({
  name:
    "hoist serve tells remote restart, stop and start (and a refused key) to the notify sinks; a run leaves the stopped service stopped",
  ignore,
  async fn() {
    const hook = await httpReceiver();
    try {
      await withTempDir(async (dir) => {
        const alice = await makeKey(dir, "alice");
        const bob = await makeKey(dir, "bob");
        const s = await served(dir, {
          serveToml: `\n[[notify]]\ntype = "webhook"\nurl = "${hook.url}/hoist"\non = ["remote"]\n`,
          files: {
            "gitops/demo-host/web/ssh/alice.pub": `${alice.pub}\n`,
            "gitops/demo-host/db/ssh/bob.pub": `${bob.pub}\n`,
          },
        });
        try {
          const target = s.url.replace(/^http:\/\//, "");
          const webUp = () =>
            s.host.fake.containers().some((c) => c.labels["gitops-service"] === "web");
          assert.ok(webUp(), JSON.stringify(await (await fetch(`${s.url}/runs/r1`)).json()));
          for (
            const [op, key, code] of [
              ["ps", alice, 0],
              ["restart", alice, 0],
              ["restart", bob, 3],
              ["stop", alice, 0],
            ] as const
          ) {
            const r = await remote([target, "web", op, "-i", key.path]);
            assert.equal(r.code, code, `${op}: ${r.err}`);
          }
          const unsigned = await fetch(`${s.url}/api/v1/services/web/restart`, { method: "POST" });
          assert.equal(unsigned.status, 401);
          await unsigned.body?.cancel();
          assert.ok(!webUp(), "stopped");

          // a run (webhook) after the stop: web stays down, the plan says who stopped it
          const run = JSON.parse(
            await sh(
              `curl -sS -X POST ${s.url}/deploy-all-changed -H "X-Hub-Signature-256: sha256=$(printf '' | openssl dgst -sha256 -hmac "$GITOPS_WEBHOOK_SECRET" | cut -d ' ' -f2)"`,
            ),
          ) as { run: string };
          await s.done(run.run);
          assert.ok(!webUp(), "a run after the stop leaves web stopped");
          const view = await (await fetch(`${s.url}/status.json`)).json() as {
            services: { service: string; state: string }[];
          };
          assert.match(
            view.services.find((x) => x.service === "web")?.state ?? "",
            /, stopped by SHA256:\S+ \(alice@test\)$/,
            JSON.stringify(view.services),
          );
          const plan = await remote([target, "plan", "-i", alice.path]);
          assert.equal(plan.code, 3, "a service key may not plan the host");
          const planned = await s.host.cli("plan");
          assert.match(
            planned.out + planned.err,
            /web: stopped by SHA256:\S+ \(alice@test\) at \S+; left stopped/,
          );

          const start = await remote([target, "web", "start", "-i", alice.path]);
          assert.equal(start.code, 0, start.err);
          assert.ok(webUp(), "started again");

          const told = await waitFor(
            "four remote notifications",
            () => Promise.resolve(hook.received.length >= 4 ? hook.received : undefined),
          );
          await new Promise((r) => setTimeout(r, 300)); // nothing more is on its way
          const events = told.map((r) => JSON.parse(dec.decode(r.body)) as Told);
          assert.equal(events.length, 4, JSON.stringify(events, null, 2));
          assert.ok(events.every((e) => e.event.kind === "remote" && e.event.service === "web"));
          assert.ok(events.every((e) => e.title === "demo-host: web operated remotely"));
          const summaries = events.map((e) => e.event.summary);
          const who = (name: string) => `SHA256:[A-Za-z0-9+/]+ \\(${name}@test\\)`;
          for (
            const [i, re] of [
              new RegExp(`^restart of web by ${who("alice")}: ok$`),
              new RegExp(
                `^restart of web by ${
                  who("bob")
                }: refused \\(HTTP 403\\): key SHA256:\\S+ may not operate web`,
              ),
              new RegExp(`^stop of web by ${who("alice")}: ok$`),
              new RegExp(`^start of web by ${who("alice")}: ok$`),
            ].entries()
          ) {
            assert.match(summaries[i] ?? "", re, summaries.join("\n"));
          }
        } finally {
          await s.stop();
        }
      });
    } finally {
      await hook.stop();
    }
  },
});
