/** `[serve]` and `[metrics]` in the agent config: defaults, every key, and errors with their line. */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { parseDuration, parseListen } from "../../lib/config/serve_config.ts";
import { HoistError } from "../../lib/errors.ts";

const ctx = { hostname: "pi", uid: 0, home: "/root", env: {} };
const minimal = '[source]\nurl = "/srv/gitops.git"\n';

function errorOf(text: string): string {
  try {
    parseConfig(text, "/etc/hoist/config.toml", ctx);
  } catch (e) {
    assert.ok(e instanceof HoistError);
    return e.message;
  }
  assert.fail("expected a config error");
}

Deno.test({
  name: "[serve] defaults: loopback 9321, every 2 minutes, 1 MiB bodies, webhooks off",
  permissions: "none",
  fn() {
    const c = parseConfig(minimal, "c.toml", ctx);
    assert.deepEqual(c.serve, {
      hostname: "127.0.0.1",
      port: 9321,
      tls: undefined,
      intervalMs: 120_000,
      bodyLimit: 1024 * 1024,
      webhookSecretFile: undefined,
      events: [],
      refs: [],
      statusAuthFile: undefined,
    });
    assert.deepEqual(c.metrics, { textfile: undefined });
  },
});

Deno.test({
  name: "[serve], [metrics] and a source's own webhook secret, every key set",
  permissions: "none",
  fn() {
    const c = parseConfig(
      `[source]
url = "/srv/gitops.git"
webhook_secret_file = "/etc/hoist/main.secret"

[serve]
listen = "[::]:8443"
tls_cert = "/etc/hoist/tls.crt"
tls_key = "/etc/hoist/tls.key"
interval = "0"
body_limit = 65536
webhook_secret_file = "/etc/hoist/webhook.secret"
events = ["push", "package"]
refs = ["refs/heads/main"]
status_auth_file = "/etc/hoist/status.logins"

[metrics]
textfile = "/var/lib/node_exporter/textfile/hoist.prom"
`,
      "c.toml",
      ctx,
    );
    assert.deepEqual(c.serve, {
      hostname: "::",
      port: 8443,
      tls: { cert: "/etc/hoist/tls.crt", key: "/etc/hoist/tls.key" },
      intervalMs: 0,
      bodyLimit: 65536,
      webhookSecretFile: "/etc/hoist/webhook.secret",
      events: ["push", "package"],
      refs: ["refs/heads/main"],
      statusAuthFile: "/etc/hoist/status.logins",
    });
    assert.equal(c.sources[0]?.webhookSecretFile, "/etc/hoist/main.secret");
    assert.deepEqual(c.metrics, { textfile: "/var/lib/node_exporter/textfile/hoist.prom" });
  },
});

const bad: { name: string; serve: string; message: RegExp }[] = [
  {
    name: "a listen without a port",
    serve: 'listen = "127.0.0.1"',
    message: /:6: serve\.listen: must be "address:port"/,
  },
  { name: "port 0", serve: 'listen = "127.0.0.1:0"', message: /serve\.listen/ },
  {
    name: "an interval under 10 s",
    serve: 'interval = "5s"',
    message: /:6: serve\.interval: must be a duration of at least 10s/,
  },
  { name: "an interval without a unit", serve: 'interval = "30"', message: /serve\.interval/ },
  {
    name: "a tiny body limit",
    serve: "body_limit = 10",
    message: /serve\.body_limit: must be at least 1024 bytes/,
  },
  {
    name: "a relative secret file",
    serve: 'webhook_secret_file = "secret"',
    message: /must be an absolute path/,
  },
  {
    name: "a certificate without its key",
    serve: 'tls_cert = "/etc/hoist/tls.crt"',
    message: /set both tls_cert and tls_key/,
  },
  { name: "a short ref", serve: 'refs = ["main"]', message: /must be a full ref/ },
  { name: "an unknown key", serve: "port = 1", message: /:6: unknown key "serve\.port"/ },
  {
    name: "the secret itself in the config",
    serve: 'webhook_secret = "hunter2"',
    message: /unknown key "serve\.webhook_secret"/,
  },
];

for (const c of bad) {
  Deno.test({
    name: `[serve] with ${c.name} is an error naming the line`,
    permissions: "none",
    fn() {
      const message = errorOf(`${minimal}\n[serve]\n\n${c.serve}\n`);
      assert.match(message, c.message);
      assert.doesNotMatch(message, /hunter2/);
    },
  });
}

Deno.test({
  name: "parseDuration() and parseListen()",
  permissions: "none",
  fn() {
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(parseDuration("2m"), 120_000);
    assert.equal(parseDuration("1h"), 3_600_000);
    assert.equal(parseDuration("0"), 0);
    assert.equal(parseDuration("250ms"), 250);
    assert.equal(parseDuration("2"), undefined);
    assert.equal(parseDuration("-1s"), undefined);
    assert.equal(parseDuration("1d"), undefined);
    assert.deepEqual(parseListen("0.0.0.0:80"), { hostname: "0.0.0.0", port: 80 });
    assert.deepEqual(parseListen("[::1]:9321"), { hostname: "::1", port: 9321 });
    assert.deepEqual(parseListen("localhost:9321"), { hostname: "localhost", port: 9321 });
    assert.equal(parseListen("::1:9321"), undefined);
    assert.equal(parseListen("127.0.0.1:65536"), undefined);
  },
});
