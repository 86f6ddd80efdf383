import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { DEFAULT_HEALTH, type HealthSettings } from "../../lib/desired/health_settings.ts";
import type { DesiredState, ReadyService } from "../../lib/desired/types.ts";
import { HoistError } from "../../lib/errors.ts";
import { withAgentHealth } from "../../lib/health/with_agent_health.ts";
import { HOST, read } from "../desired/helpers.ts";
import { PURE } from "../support/pure.ts";

const CTX = { hostname: "pi", uid: 1000, home: "/home/pi", env: {} };
const SOURCE = '[source]\nurl = "/srv/gitops.git"\n';
const MANIFEST = "Container:\n  Image:\n    - docker.io/library/nginx:1.27\n";

function ready(state: DesiredState, name: string): ReadyService {
  const s = state.services.find((x) => x.name === name);
  assert.ok(s?.status === "ready", `${name} is ready: ${JSON.stringify(s?.problems)}`);
  return s;
}

Deno.test({
  name: "readDesired() gives a service config.yml's health settings, and they leave its hash alone",
  permissions: PURE,
  fn() {
    const files = (entry: string) => ({
      [`${HOST}/config.yml`]: `services:\n  web:${entry}\n  api: {}\n`,
      [`${HOST}/web/manifest.yml`]: MANIFEST,
      [`${HOST}/api/manifest.yml`]: MANIFEST.replace("nginx", "caddy"),
    });
    const plain = read(files(" {}"));
    const checked = read(files('\n    health: { tcp: "127.0.0.1:8080", retries: 2 }'));
    assert.equal(ready(plain, "web").health, undefined);
    assert.deepEqual(ready(checked, "web").health, {
      ...DEFAULT_HEALTH,
      retries: 2,
      probe: { kind: "tcp", host: "127.0.0.1", port: 8080 },
    });
    assert.equal(ready(checked, "api").health, undefined);
    assert.equal(ready(checked, "web").hash, ready(plain, "web").hash);
  },
});

Deno.test({
  name: "the agent config's [services.<name>] health is read like config.yml's, table or inline",
  permissions: "none",
  fn() {
    const table: { toml: string; want: HealthSettings }[] = [
      {
        toml: '[services.web]\nhealth = "none"\n',
        want: { ...DEFAULT_HEALTH, probe: { kind: "none" } },
      },
      {
        toml:
          '[services.web]\nhealth = { http = { url = "http://127.0.0.1:8080/", status = 204 }, interval = "500ms", retries = 5 }\n',
        want: {
          ...DEFAULT_HEALTH,
          intervalMs: 500,
          retries: 5,
          probe: { kind: "http", url: "http://127.0.0.1:8080/", status: 204 },
        },
      },
      {
        toml:
          '[services.web.health]\ncommand = ["pg_isready", "-U", "app"]\nstart_period = 30\nwindow = "2m"\n',
        want: {
          ...DEFAULT_HEALTH,
          startPeriodMs: 30_000,
          probe: { kind: "command", argv: ["pg_isready", "-U", "app"] },
        },
      },
      {
        toml: '[services.web.health]\ncontainer = true\n[services.db]\npre = "true"\n',
        want: { ...DEFAULT_HEALTH, probe: { kind: "container" } },
      },
    ];
    for (const { toml, want } of table) {
      const c = parseConfig(SOURCE + toml, "/etc/hoist/config.toml", CTX);
      assert.deepEqual(c.services.web?.health, want, toml);
    }
  },
});

Deno.test({
  name: "bad [services.<name>] health settings are config-invalid at their config.toml line",
  permissions: "none",
  fn() {
    const table: { toml: string; message: RegExp }[] = [
      {
        toml: '[services.web.health]\ntcp = "127.0.0.1:80"\ninterval = "fast"\n',
        message: /^\/c\.toml:5: services\.web\.health\.interval must be a duration, got "fast"/,
      },
      {
        toml: '[services.web]\npre = "x"\nhealth = { http = "ftp://x/" }\n',
        message: /^\/c\.toml:5: services\.web\.health\.http needs an http\(s\) url/,
      },
      {
        toml: '[services.web.health]\ncommand = "pg_isready -U app"\n',
        message: /^\/c\.toml:4: services\.web\.health\.command must be a list of words/,
      },
      {
        toml: '[services.web.health.http]\nurl = "http://x/"\nstatus = 999\n',
        message: /^\/c\.toml:5: services\.web\.health\.http\.status must be an HTTP status/,
      },
      {
        toml: '[services.web]\nhealth = "sometimes"\n',
        message: /^\/c\.toml:4: services\.web\.health must be "none" or a map, got a string/,
      },
      {
        toml: '[services.web]\nhealth = { start_period = "60s", window = "30s" }\n',
        message: /^\/c\.toml:4: services\.web\.health\.window \(30s\) must be longer/,
      },
      {
        toml: '[services.web.health]\nprobe = "x"\n',
        message: /^\/c\.toml:4: services\.web\.health: unknown key "probe"/,
      },
    ];
    for (const { toml, message } of table) {
      assert.throws(
        () => parseConfig(SOURCE + toml, "/c.toml", CTX),
        (e) => e instanceof HoistError && e.code === "config-invalid" && message.test(e.message),
        toml,
      );
    }
  },
});

Deno.test({
  name: "withAgentHealth() fills in where config.yml says nothing, and warns where both set it",
  permissions: PURE,
  fn() {
    const desired = read({
      [`${HOST}/config.yml`]: "services:\n  web:\n    health: none\n  api: {}\n  gone: {}\n",
      [`${HOST}/web/manifest.yml`]: MANIFEST,
      [`${HOST}/api/manifest.yml`]: MANIFEST.replace("nginx", "caddy"),
    });
    const tcp: HealthSettings = { ...DEFAULT_HEALTH, probe: { kind: "tcp", host: "h", port: 1 } };
    const out = withAgentHealth(desired, {
      web: { health: tcp },
      api: { health: tcp },
      gone: { health: tcp },
    }, "/c.toml");
    assert.equal(ready(out, "web").health?.probe.kind, "none");
    assert.deepEqual(ready(out, "api").health, tcp);
    assert.equal(out.services.find((s) => s.name === "gone")?.status, "blocked");
    const added = out.problems.slice(desired.problems.length);
    assert.deepEqual(added.map((p) => [p.level, p.file, p.message]), [[
      "warning",
      "/c.toml",
      "[services.web] health is unused: config.yml sets services.web.health",
    ]]);
    assert.equal(withAgentHealth(desired, {}, "/c.toml"), desired);
  },
});
