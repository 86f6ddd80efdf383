/**
 * Notifications over HTTP against real receivers on 127.0.0.1 (Deno.serve, and a TCP server that
 * never answers), through notifyRun and `hoist notify test` with the real adapters: the webhook's
 * JSON schema and HMAC header, ntfy's and Gotify's request shapes, tokens from files (and nowhere
 * else), and receivers that fail, redirect in a loop or hang: bounded, reported, never thrown.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import type { Config } from "../../lib/config/load_config.ts";
import { parseConfig } from "../../lib/config/load_config.ts";
import { buildDeps } from "../../lib/deps.ts";
import { HoistError } from "../../lib/errors.ts";
import {
  type NotifyDeps,
  notifyDeps,
  notifyFileProblems,
  notifyRun,
} from "../../lib/notify/notify_run.ts";
import { notifyTestCommand } from "../../lib/cli/notify_command.ts";
import { applied } from "../notify/fixtures.ts";
import { httpReceiver, type Received, silentReceiver } from "../notify/receivers.ts";
import { captureIo, withTempDir } from "./helpers.ts";

const BROKEN_WEB = { "web/manifest.yml": "Container:\n  Image: [a, b]\n" };
const NOW = new Date("2026-12-01T02:10:00Z");
const SECRET = "s3cret-hmac-key-never-shown";
const TOKEN = "tk_never_shown_anywhere_123";

async function setUp(dir: string, notify: string): Promise<{ config: Config; nd: NotifyDeps }> {
  await Deno.writeTextFile(`${dir}/hook.secret`, `${SECRET}\n`);
  await Deno.writeTextFile(`${dir}/app.token`, `${TOKEN}\n`);
  const text =
    `host = "h1"\nmode = "user"\nstate_dir = "${dir}/state"\n[source]\nurl = "/srv/g.git"\n${notify}`;
  await Deno.mkdir(`${dir}/state`);
  await Deno.writeTextFile(`${dir}/config.toml`, text);
  const config = parseConfig(text, `${dir}/config.toml`, {
    hostname: "h1",
    uid: 1000,
    home: dir,
    env: {},
  });
  const deps = await buildDeps(config);
  // short attempts so the failure tests are quick; the rule (3 attempts, backoff) is the real one
  return { config, nd: { ...notifyDeps(deps, config), timeoutMs: 500, backoffMs: 20 } };
}

const json = (r: Received | undefined) => JSON.parse(new TextDecoder().decode(r?.body));

async function noSecretIn(dir: string, ...texts: string[]) {
  const db = await Deno.readFile(`${dir}/state/notify.db`).catch(() => new Uint8Array());
  const all = [...texts, new TextDecoder().decode(db)].join("\n");
  for (const s of [SECRET, TOKEN]) assert.ok(!all.includes(s), `a secret leaked: ${s}`);
}

Deno.test("webhook: the versioned JSON, signed with X-Hoist-Signature-256 over the exact body", async () => {
  const hook = await httpReceiver();
  try {
    await withTempDir(async (dir) => {
      const { config, nd } = await setUp(
        dir,
        `[[notify]]\ntype = "webhook"\nurl = "${hook.url}/hooks/hoist"\nsecret_file = "${dir}/hook.secret"\non = ["deployed", "failed"]\n`,
      );
      const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
      assert.deepEqual(report.deliveries.map((d) => `${d.kind} ${d.service} ${d.result}`), [
        "failed web sent",
        "deployed db sent",
      ]);
      assert.equal(hook.received.length, 2);
      for (const r of hook.received) {
        assert.equal(r.method, "POST");
        assert.equal(r.path, "/hooks/hoist");
        assert.equal(r.headers.get("content-type"), "application/json");
        const mac = createHmac("sha256", SECRET).update(r.body).digest("hex");
        assert.equal(r.headers.get("x-hoist-signature-256"), `sha256=${mac}`);
      }
      const body = json(hook.received[0]);
      assert.deepEqual(Object.keys(body).sort(), [
        "body",
        "event",
        "schema",
        "sink",
        "suppressed",
        "title",
      ]);
      assert.equal(body.schema, "hoist.notify/v1");
      assert.equal(body.sink, "webhook");
      assert.equal(body.title, "h1: web failed");
      assert.equal(body.suppressed, null);
      assert.deepEqual(Object.keys(body.event), [
        "at",
        "host",
        "kind",
        "revision",
        "service",
        "signer",
        "source",
        "summary",
      ]);
      assert.deepEqual(
        { ...body.event, summary: undefined },
        {
          at: "2026-12-01T02:10:00.000Z",
          host: "h1",
          kind: "failed",
          revision: "1111111111111111111111111111111111111111",
          service: "web",
          signer: "alice@example.org",
          source: "main",
          summary: undefined,
        },
      );
      assert.match(body.event.summary, /^blocked: gitops\/h1\/web\/manifest\.yml:2: /);
      assert.equal(hook.received[0]?.headers.get("x-hoist-event"), "failed");
      await noSecretIn(dir, JSON.stringify(report), ...hook.received.map((r) => json(r).body));
    });
  } finally {
    await hook.stop();
  }
});

Deno.test("ntfy: a JSON publish to the server root with topic, priority and tags, the token as Bearer", async () => {
  const ntfy = await httpReceiver();
  try {
    await withTempDir(async (dir) => {
      const { config, nd } = await setUp(
        dir,
        `[[notify]]\ntype = "ntfy"\nurl = "${ntfy.url}"\ntopic = "hoist-h1"\ntoken_file = "${dir}/app.token"\n`,
      );
      const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
      assert.deepEqual(report.deliveries.map((d) => d.result), ["sent"], "deployed is not in on");
      const r = ntfy.received[0];
      assert.equal(r?.path, "/");
      assert.equal(r?.headers.get("authorization"), `Bearer ${TOKEN}`);
      const body = json(r);
      assert.deepEqual({ ...body, message: undefined }, {
        topic: "hoist-h1",
        title: "h1: web failed",
        message: undefined,
        priority: 4,
        tags: ["x"],
      });
      assert.match(body.message, /Container\.Image/);
      await noSecretIn(dir, JSON.stringify(report));
    });
  } finally {
    await ntfy.stop();
  }
});

Deno.test("gotify: POST /message with the app token in X-Gotify-Key, not in the URL", async () => {
  const gotify = await httpReceiver();
  try {
    await withTempDir(async (dir) => {
      const { config, nd } = await setUp(
        dir,
        `[[notify]]\ntype = "gotify"\nurl = "${gotify.url}/"\ntoken_file = "${dir}/app.token"\n`,
      );
      const outcome = applied({ failStart: ["web"] });
      const report = await notifyRun(nd, config, outcome, NOW);
      assert.deepEqual(report.deliveries.map((d) => d.result), ["sent"]);
      const r = gotify.received[0];
      assert.equal(r?.path, "/message");
      assert.equal(r?.headers.get("x-gotify-key"), TOKEN);
      const body = json(r);
      assert.deepEqual(Object.keys(body).sort(), ["message", "priority", "title"]);
      assert.equal(body.priority, 8);
      assert.match(body.message, /^start gitops-web\.service failed: /);
    });
  } finally {
    await gotify.stop();
  }
});

Deno.test("a receiver answering 500 is tried three times, then reported; the run's report returns", async () => {
  const failing = await httpReceiver(() => new Response("boom", { status: 500 }));
  try {
    await withTempDir(async (dir) => {
      const { config, nd } = await setUp(
        dir,
        `[[notify]]\ntype = "webhook"\nurl = "${failing.url}"\n`,
      );
      const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
      assert.deepEqual(report.deliveries, [{
        sink: "webhook",
        kind: "failed",
        service: "web",
        result: "failed",
        attempts: 3,
        error: "answered 500 Internal Server Error",
      }]);
      assert.equal(failing.received.length, 3);
    });
  } finally {
    await failing.stop();
  }
});

Deno.test("a receiver redirecting in a loop is asked once: redirects are not followed", async () => {
  const loop = await httpReceiver((r) =>
    new Response(null, { status: 302, headers: { location: r.path } })
  );
  try {
    await withTempDir(async (dir) => {
      const { config, nd } = await setUp(
        dir,
        `[[notify]]\ntype = "webhook"\nurl = "${loop.url}/a"\n`,
      );
      const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
      assert.equal(report.deliveries[0]?.result, "failed");
      assert.match(
        report.deliveries[0]?.error ?? "",
        /^answered 302 \(a redirect: hoist does not follow it/,
      );
      assert.equal(loop.received.length, 1);
    });
  } finally {
    await loop.stop();
  }
});

Deno.test("a receiver that never answers: three bounded attempts, then the sink's other messages wait for the next run", async () => {
  const silent = await silentReceiver();
  try {
    await withTempDir(async (dir) => {
      const { config, nd } = await setUp(
        dir,
        `[[notify]]\ntype = "ntfy"\nurl = "${silent.url}"\ntopic = "t"\non = ["failed", "deployed"]\n`,
      );
      const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
      assert.deepEqual(report.deliveries.map((d) => [d.kind, d.result, d.attempts, d.error]), [
        ["failed", "failed", 3, "no answer within 0.5s"],
        ["deployed", "skipped", 0, undefined],
      ]);
      assert.equal(silent.connections(), 3);
      // the skipped message is counted for the next one of its key
      const next = await notifyRun(
        nd,
        config,
        applied({ files: BROKEN_WEB }),
        new Date(NOW.getTime() + 60_000),
      );
      assert.deepEqual(next.deliveries.map((d) => [d.kind, d.result]), [
        ["deployed", "failed"],
      ], "failed is in its window; deployed, skipped before, is due");
    });
  } finally {
    await silent.stop();
  }
});

Deno.test("a token file that cannot be read fails that sink with key, line and path, not the others", async () => {
  const ok = await httpReceiver();
  try {
    await withTempDir(async (dir) => {
      const { config, nd } = await setUp(
        dir,
        `[[notify]]\ntype = "gotify"\nurl = "${ok.url}"\ntoken_file = "${dir}/missing.token"\n` +
          `[[notify]]\ntype = "webhook"\nurl = "${ok.url}"\n`,
      );
      const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
      assert.deepEqual(report.deliveries.map((d) => [d.sink, d.result]), [
        ["gotify", "failed"],
        ["webhook", "sent"],
      ]);
      assert.equal(
        report.deliveries[0]?.error,
        `${dir}/config.toml:9: token_file ${dir}/missing.token cannot be read: no such file`,
      );
    });
  } finally {
    await ok.stop();
  }
});

Deno.test("hoist notify test [SINK] sends one unthrottled test message and says so", async () => {
  const hook = await httpReceiver();
  try {
    await withTempDir(async (dir) => {
      const { config } = await setUp(
        dir,
        `[[notify]]\ntype = "webhook"\nname = "ops"\nurl = "${hook.url}"\nsecret_file = "${dir}/hook.secret"\n` +
          `[[notify]]\ntype = "webhook"\nname = "dead"\nurl = "${hook.url}/x"\non = ["failed"]\n`,
      );
      const cap = captureIo(dir);
      const ctx = {
        io: cap.io,
        globals: { config: config.file },
        makeDeps: (c: Parameters<typeof buildDeps>[0]) => buildDeps(c),
      };
      for (let i = 0; i < 2; i++) assert.equal(await notifyTestCommand(ctx, "ops"), 0);
      assert.deepEqual(cap.take(), {
        out: "ops: sent (1 attempt)\nops: sent (1 attempt)\n",
        err: "",
      });
      const body = json(hook.received[0]);
      assert.equal(body.test, true);
      assert.equal(body.title, "hoist on h1: test message");
      assert.ok(hook.received[0]?.headers.get("x-hoist-signature-256")?.startsWith("sha256="));
      await assert.rejects(
        () => notifyTestCommand(ctx, "nope"),
        (e) => e instanceof HoistError && e.code === "usage" && e.hint === "Sinks: ops, dead",
      );
    });
  } finally {
    await hook.stop();
  }
});

Deno.test("no token or secret in any log line, report or the state file, sent or failed", async () => {
  const ok = await httpReceiver();
  const failing = await httpReceiver(() => new Response("no", { status: 503 }));
  const logs: string[] = [];
  await configure({
    reset: true,
    sinks: {
      capture: (r: LogRecord) => logs.push(`${r.message.join("")} ${JSON.stringify(r.properties)}`),
    },
    loggers: [{ category: ["hoist"], lowestLevel: "debug", sinks: ["capture"] }],
  });
  try {
    await withTempDir(async (dir) => {
      const { config, nd } = await setUp(
        dir,
        `[[notify]]\ntype = "webhook"\nurl = "${ok.url}"\nsecret_file = "${dir}/hook.secret"\n` +
          `[[notify]]\ntype = "ntfy"\nurl = "${failing.url}"\ntopic = "t"\ntoken_file = "${dir}/app.token"\n` +
          `[[notify]]\ntype = "gotify"\nurl = "${ok.url}"\ntoken_file = "${dir}/app.token"\n`,
      );
      const report = await notifyRun(nd, config, applied({ files: BROKEN_WEB }), NOW);
      assert.deepEqual(report.deliveries.map((d) => `${d.sink} ${d.result}`), [
        "webhook sent",
        "ntfy failed",
        "gotify sent",
      ]);
      assert.ok(logs.some((l) => l.includes("not sent after")), logs.join("\n"));
      await noSecretIn(dir, JSON.stringify(report), ...logs);
    });
  } finally {
    await reset();
    await ok.stop();
    await failing.stop();
  }
});

Deno.test("notifyFileProblems() names each unreadable or empty secret file with its line and key", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/empty.token`, "\n");
    const { config, nd } = await setUp(
      dir,
      `[[notify]]\ntype = "gotify"\nurl = "http://127.0.0.1:9"\ntoken_file = "${dir}/nope"\n` +
        `[[notify]]\ntype = "ntfy"\nurl = "http://127.0.0.1:9"\ntopic = "t"\ntoken_file = "${dir}/app.token"\n` +
        `[[notify]]\ntype = "webhook"\nurl = "http://127.0.0.1:9"\nsecret_file = "${dir}/empty.token"\n`,
    );
    assert.deepEqual(await notifyFileProblems(nd, config), [
      `notify sink gotify: ${dir}/config.toml:9: token_file ${dir}/nope cannot be read: no such file`,
      `notify sink webhook: ${dir}/config.toml:18: secret_file ${dir}/empty.token is empty`,
    ]);
  });
});
