import assert from "node:assert/strict";
import { DEFAULT_HEALTH } from "../../lib/desired/health_settings.ts";
import { parseDuration } from "../../lib/desired/parse_duration.ts";
import { parseHostConfig } from "../../lib/desired/parse_host_config.ts";
import { PURE } from "../support/pure.ts";

const FILE = "gitops/h/config.yml";

Deno.test({
  name: "parseDuration() reads ms, s, m, h and bare seconds, and refuses words",
  permissions: "none",
  fn() {
    const table: [string, number | undefined][] = [
      ["500ms", 500],
      ["2s", 2_000],
      ["1.5m", 90_000],
      ["1h", 3_600_000],
      ["10", 10_000],
      ["fast", undefined],
      ["-1s", undefined],
      ["2 weeks", undefined],
    ];
    for (const [text, ms] of table) assert.equal(parseDuration(text), ms, text);
  },
});

Deno.test({
  name: "config.yml health settings become each service's HealthSettings",
  permissions: PURE,
  fn() {
    const table: { yaml: string; want: unknown }[] = [
      { yaml: "web: {}", want: undefined },
      { yaml: "web:\n    health: none", want: { ...DEFAULT_HEALTH, probe: { kind: "none" } } },
      {
        yaml:
          'web:\n    health:\n      http: { url: "http://127.0.0.1:8080/healthz", status: 204, body: ok }\n      start_period: 30s\n      interval: 500ms\n      timeout: 1s\n      retries: 5\n      window: 2m\n      settle: 3s',
        want: {
          probe: { kind: "http", url: "http://127.0.0.1:8080/healthz", status: 204, body: "ok" },
          startPeriodMs: 30_000,
          intervalMs: 500,
          timeoutMs: 1_000,
          retries: 5,
          windowMs: 120_000,
          settleMs: 3_000,
        },
      },
      {
        yaml: 'web:\n    health: { http: "https://example.test/" }',
        want: {
          ...DEFAULT_HEALTH,
          probe: { kind: "http", url: "https://example.test/", status: 200 },
        },
      },
      {
        yaml: 'web:\n    health: { tcp: "127.0.0.1:5432" }',
        want: { ...DEFAULT_HEALTH, probe: { kind: "tcp", host: "127.0.0.1", port: 5432 } },
      },
      {
        yaml: 'web:\n    health: { tcp: "[::1]:80" }',
        want: { ...DEFAULT_HEALTH, probe: { kind: "tcp", host: "::1", port: 80 } },
      },
      {
        yaml: "web:\n    health: { command: [pg_isready, -U, app] }",
        want: { ...DEFAULT_HEALTH, probe: { kind: "command", argv: ["pg_isready", "-U", "app"] } },
      },
      {
        yaml: "web:\n    health: { container: true, retries: 1 }",
        want: { ...DEFAULT_HEALTH, retries: 1, probe: { kind: "container" } },
      },
    ];
    for (const { yaml, want } of table) {
      const { config, problems } = parseHostConfig(`services:\n  ${yaml}\n`, FILE);
      assert.deepEqual(problems, [], yaml);
      assert.deepEqual(config?.services[0]?.health, want, yaml);
    }
  },
});

Deno.test({
  name: "bad health settings are errors at their config.yml line",
  permissions: PURE,
  fn() {
    const table: { yaml: string; line: number; message: RegExp }[] = [
      {
        yaml: "  health:\n      interval: fast",
        line: 4,
        message: /interval must be a duration, got "fast"/,
      },
      {
        yaml: "  health:\n      http: ftp://x/",
        line: 4,
        message: /needs an http\(s\) url, got "ftp:\/\/x\/"/,
      },
      {
        yaml: "  health:\n      command: pg_isready -U app",
        line: 4,
        message: /command must be a list of words, got a string/,
      },
      {
        yaml: "  health:\n      start_period: 60s\n      window: 30s",
        line: 5,
        message: /window \(30s\) must be longer than start_period \(60s\)/,
      },
      { yaml: "  health:\n      tcp: localhost", line: 4, message: /tcp must be "host:port"/ },
      { yaml: "  health:\n      tcp: h:70000", line: 4, message: /tcp must be "host:port"/ },
      { yaml: "  health:\n      retries: 0", line: 4, message: /retries must be a whole number/ },
      {
        yaml: "  health:\n      container: yes please",
        line: 4,
        message: /container must be true/,
      },
      {
        yaml: "  health:\n      http: { url: http://x/, status: 999 }",
        line: 4,
        message: /status must be an HTTP status/,
      },
      {
        yaml: "  health:\n      tcp: a:1\n      container: true",
        line: 5,
        message: /one probe only, got tcp and container/,
      },
      { yaml: "  health:\n      probe: x", line: 4, message: /unknown key "probe"/ },
      {
        yaml: "  health: sometimes",
        line: 3,
        message: /health must be "none" or a map, got a string/,
      },
      { yaml: "  image: caddy", line: 3, message: /^services\.web: unknown settings "image"$/ },
    ];
    for (const { yaml, line, message } of table) {
      const { config, problems } = parseHostConfig(`services:\n  web:\n  ${yaml}\n`, FILE);
      assert.equal(config, undefined, yaml);
      assert.equal(problems.length, 1, `${yaml}: ${JSON.stringify(problems)}`);
      assert.equal(problems[0]?.file, FILE);
      assert.equal(problems[0]?.line, line, yaml);
      assert.match(problems[0]?.message ?? "", message);
    }
    // the hint names every key a service entry takes
    const { problems } = parseHostConfig("services:\n  web:\n    image: caddy\n", FILE);
    for (const key of ["health", "urls", "images", "user", "compose"]) {
      assert.match(problems[0]?.hint ?? "", new RegExp(`"${key}"`), key);
    }
  },
});
