import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { DEFAULT_HEALTH, type HealthSettings } from "../../lib/desired/health_settings.ts";
import { parseHostConfig } from "../../lib/desired/parse_host_config.ts";
import type { DesiredState, ReadyService } from "../../lib/desired/types.ts";
import { HoistError } from "../../lib/errors.ts";
import {
  combineVerdicts,
  type ComposeTarget,
  composeTargets,
  healthChecks,
} from "../../lib/health/compose_checks.ts";
import type { Verdict } from "../../lib/health/types.ts";
import { withAgentHealth } from "../../lib/health/with_agent_health.ts";
import { HOST, read } from "../desired/helpers.ts";
import { PURE } from "../support/pure.ts";

const FILE = "gitops/h/config.yml";
const CTX = { hostname: "pi", uid: 1000, home: "/home/pi", env: {} };
const SOURCE = '[source]\nurl = "/srv/gitops.git"\n';
const HTTP: HealthSettings = {
  ...DEFAULT_HEALTH,
  probe: { kind: "http", url: "http://127.0.0.1:8080/", status: 200 },
};
const NONE: HealthSettings = { ...DEFAULT_HEALTH, probe: { kind: "none" } };
const CMD: HealthSettings = {
  ...DEFAULT_HEALTH,
  retries: 2,
  probe: { kind: "command", argv: ["pg_isready", "-U", "app"] },
};

function ready(state: DesiredState, name: string): ReadyService {
  const s = state.services.find((x) => x.name === name);
  assert.ok(s?.status === "ready", `${name} is ready: ${JSON.stringify(s?.problems)}`);
  return s;
}

Deno.test({
  name: "config.yml health: { compose: … } gives each compose service its own settings",
  permissions: PURE,
  fn() {
    const table: { yaml: string; want: unknown }[] = [
      {
        yaml:
          'blog:\n    health:\n      compose:\n        web: { http: "http://127.0.0.1:8080/" }\n        db: none',
        want: {
          ...DEFAULT_HEALTH,
          compose: { web: HTTP, db: NONE },
          composePlaces: { web: { file: FILE, line: 5 }, db: { file: FILE, line: 6 } },
        },
      },
      {
        // the plain keys still judge the project as a whole, beside compose:
        yaml:
          'blog:\n    health:\n      tcp: "127.0.0.1:80"\n      compose:\n        db: { command: [pg_isready, -U, app], retries: 2 }',
        want: {
          ...DEFAULT_HEALTH,
          probe: { kind: "tcp", host: "127.0.0.1", port: 80 },
          compose: { db: CMD },
          composePlaces: { db: { file: FILE, line: 6 } },
        },
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
  name: "bad health.compose settings are errors at their config.yml line, naming the key",
  permissions: PURE,
  fn() {
    const table: { yaml: string; line: number; message: RegExp }[] = [
      {
        yaml: "compose: [web]",
        line: 4,
        message: /^services\.blog\.health\.compose must be a map of compose services, got a list/,
      },
      {
        yaml: "compose:\n        web:\n          interval: fast",
        line: 6,
        message: /^services\.blog\.health\.compose\.web\.interval must be a duration, got "fast"/,
      },
      {
        yaml: "compose:\n        web: sometimes",
        line: 5,
        message: /^services\.blog\.health\.compose\.web must be "none" or a map/,
      },
      {
        yaml: "compose:\n        web:\n          compose: { db: none }",
        line: 6,
        message: /^services\.blog\.health\.compose\.web: unknown key "compose"/,
      },
      {
        yaml: 'compose:\n        "we b": none',
        line: 5,
        message: /^services\.blog\.health\.compose: "we b" is not a compose service name/,
      },
      {
        yaml: "compose:\n        db:\n          command: pg_isready",
        line: 6,
        message: /^services\.blog\.health\.compose\.db\.command must be a list of words/,
      },
    ];
    for (const { yaml, line, message } of table) {
      const { config, problems } = parseHostConfig(
        `services:\n  blog:\n    health:\n      ${yaml}\n`,
        FILE,
      );
      assert.equal(config, undefined, yaml);
      assert.equal(problems.length, 1, `${yaml}: ${JSON.stringify(problems)}`);
      assert.equal(problems[0]?.file, FILE);
      assert.equal(problems[0]?.line, line, yaml);
      assert.match(problems[0]?.message ?? "", message, yaml);
    }
  },
});

Deno.test({
  name: "the agent config's [services.<name>.health.compose.<svc>] is read like config.yml's",
  permissions: "none",
  fn() {
    const c = parseConfig(
      SOURCE +
        '[services.blog.health.compose.web]\nhttp = "http://127.0.0.1:8080/"\n[services.blog.health.compose]\ndb = "none"\n',
      "/c.toml",
      CTX,
    );
    assert.deepEqual(c.services.blog?.health, {
      ...DEFAULT_HEALTH,
      compose: { web: HTTP, db: NONE },
      composePlaces: { web: { file: "/c.toml", line: 3 }, db: { file: "/c.toml", line: 6 } },
    });
    const table: { toml: string; message: RegExp }[] = [
      {
        toml: '[services.blog.health.compose.web]\ntcp = "127.0.0.1:80"\ninterval = "fast"\n',
        message: /^\/c\.toml:5: services\.blog\.health\.compose\.web\.interval must be a duration/,
      },
      {
        toml: '[services.blog.health]\nretries = 2\ncompose = { web = { http = "ftp://x/" } }\n',
        message: /^\/c\.toml:5: services\.blog\.health\.compose\.web\.http needs an http\(s\) url/,
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

const COMPOSE = (web: string, db = "") =>
  `services:\n  web:\n    image: docker.io/library/nginx:1.27\n${web}  db:\n    image: docker.io/library/postgres:17\n${db}`;

Deno.test({
  name: "a compose service's x-hoist: { health } is its own check, and leaves every hash alone",
  permissions: PURE,
  fn() {
    const files = (web: string, db = "") => ({
      [`${HOST}/config.yml`]: "services:\n  blog: {}\n",
      [`${HOST}/blog/compose.yaml`]: COMPOSE(web, db),
    });
    const plain = ready(read(files("")), "blog");
    const checked = ready(
      read(files(
        '    x-hoist:\n      health:\n        http: { url: "http://127.0.0.1:8080/" }\n',
        "    x-hoist: { health: { command: [pg_isready, -U, app], retries: 2 } }\n",
      )),
      "blog",
    );
    assert.equal(plain.composeHealth, undefined);
    assert.deepEqual(checked.composeHealth, { web: HTTP, db: CMD });
    assert.equal(checked.health, undefined);
    assert.equal(checked.hash, plain.hash);
    assert.deepEqual(
      checked.units.map((u) => u.group?.hash),
      plain.units.map((u) => u.group?.hash),
    );
  },
});

Deno.test({
  name: "bad x-hoist health settings block the project with an error at the compose file's line",
  permissions: PURE,
  fn() {
    const table: { web: string; line: number; message: RegExp }[] = [
      {
        web: "    x-hoist:\n      health:\n        interval: fast\n",
        line: 6,
        message: /^services\.web\.x-hoist\.health\.interval must be a duration, got "fast"/,
      },
      {
        web: "    x-hoist:\n      health:\n        command: pg_isready -U app\n",
        line: 6,
        message: /^services\.web\.x-hoist\.health\.command must be a list of words/,
      },
      {
        web: '    x-hoist:\n      health: { http: "ftp://x/" }\n',
        line: 5,
        message: /^services\.web\.x-hoist\.health\.http needs an http\(s\) url/,
      },
      {
        web: "    x-hoist:\n      health:\n        start_period: 60s\n        window: 30s\n",
        line: 7,
        message: /^services\.web\.x-hoist\.health\.window \(30s\) must be longer/,
      },
      {
        web: "    x-hoist:\n      restart_on_change: false\n",
        line: 5,
        message: /^services\.web\.x-hoist\.restart_on_change: unknown key/,
      },
      {
        web: "    x-hoist: yes\n",
        line: 4,
        message: /^services\.web\.x-hoist: expected a map, got a string/,
      },
    ];
    for (const { web, line, message } of table) {
      const state = read({
        [`${HOST}/config.yml`]: "services:\n  blog: {}\n",
        [`${HOST}/blog/compose.yaml`]: COMPOSE(web),
      });
      const blog = state.services.find((s) => s.name === "blog");
      assert.equal(blog?.status, "blocked", web);
      const errors = blog?.problems.filter((p) => p.level === "error") ?? [];
      assert.equal(errors.length, 1, `${web}: ${JSON.stringify(errors)}`);
      assert.equal(errors[0]?.file, `${HOST}/blog/compose.yaml`);
      assert.equal(errors[0]?.line, line, web);
      assert.equal(errors[0]?.service, "blog");
      assert.match(errors[0]?.message ?? "", message, web);
    }
  },
});

Deno.test({
  name: "composeTargets(): health.compose wins over the compose file's x-hoist health",
  permissions: PURE,
  fn() {
    const blog = ready(
      read({
        [`${HOST}/config.yml`]:
          "services:\n  blog:\n    health:\n      compose:\n        db: none\n",
        [`${HOST}/blog/compose.yaml`]: COMPOSE(
          '    x-hoist: { health: { http: "http://127.0.0.1:8080/" } }\n',
          "    x-hoist: { health: { command: [pg_isready, -U, app], retries: 2 } }\n",
        ),
      }),
      "blog",
    );
    const targets = composeTargets(blog);
    assert.deepEqual(targets.map((t) => [t.service, t.health?.probe.kind]), [
      ["db", "none"],
      ["web", "http"],
    ]);
    assert.ok(
      targets.every((t) => /^gitops-blog-(web|db)\.service$/.test(t.unit)),
      targets[0]?.unit,
    );
    const web = ready(
      read({
        [`${HOST}/config.yml`]: "services:\n  web: {}\n",
        [`${HOST}/web/manifest.yml`]: "Container:\n  Image:\n    - docker.io/library/nginx:1.27\n",
      }),
      "web",
    );
    assert.deepEqual(composeTargets(web), []);
  },
});

Deno.test({
  name: "healthChecks(): which checks judge a service the apply (re)started",
  permissions: "none",
  fn() {
    const W = "gitops-blog-web.service";
    const D = "gitops-blog-db.service";
    const N = "gitops-blog_default-network.service";
    const all = [D, W, N];
    const web = (health?: HealthSettings): ComposeTarget => ({
      service: "web",
      unit: W,
      ...(health ? { health } : {}),
    });
    const db = (health?: HealthSettings): ComposeTarget => ({
      service: "db",
      unit: D,
      ...(health ? { health } : {}),
    });
    const onlyCompose: HealthSettings = { ...DEFAULT_HEALTH, compose: { web: HTTP } };
    const table: {
      name: string;
      restarted: string[];
      health?: HealthSettings;
      compose: ComposeTarget[];
      want: unknown;
    }[] = [
      {
        name: "no compose project: one check of all its units, its own settings",
        restarted: ["gitops-web.service"],
        health: HTTP,
        compose: [],
        want: [{ units: all, settings: HTTP }],
      },
      {
        name: "compose, nothing configured: each restarted compose service by its own default",
        restarted: all,
        compose: [db(), web()],
        want: [{ composeService: "db", units: [D] }, { composeService: "web", units: [W] }],
      },
      {
        name: "only web restarted: db is not judged again",
        restarted: [W],
        compose: [db(CMD), web(HTTP)],
        want: [{ composeService: "web", units: [W], settings: HTTP }],
      },
      {
        name: "project-wide settings judge the whole project; own settings judge their service too",
        restarted: all,
        health: NONE,
        compose: [db(), web(HTTP)],
        want: [{ units: all, settings: NONE }, {
          composeService: "web",
          units: [W],
          settings: HTTP,
        }],
      },
      {
        name: "health with only compose: is no project-wide check",
        restarted: all,
        health: onlyCompose,
        compose: [db(), web(HTTP)],
        want: [{ composeService: "db", units: [D] }, {
          composeService: "web",
          units: [W],
          settings: HTTP,
        }],
      },
      {
        name: "a probe beside compose: judges the project as a whole, without the compose map",
        restarted: [W],
        health: { ...HTTP, compose: { db: NONE } },
        compose: [db(NONE), web()],
        want: [{ units: all, settings: HTTP }],
      },
      {
        name: "only a network restarted: the project as a whole",
        restarted: [N],
        compose: [db(), web()],
        want: [{ units: all }],
      },
    ];
    for (const t of table) {
      assert.deepEqual(healthChecks(t.restarted, all, t.health, t.compose), t.want, t.name);
    }
  },
});

Deno.test({
  name: "combineVerdicts(): unhealthy when any compose service is, naming it",
  permissions: "none",
  fn() {
    const ok = (reason: string): Verdict => ({ state: "healthy", reason });
    const bad = (reason: string): Verdict => ({ state: "unhealthy", reason });
    const unknown: Verdict = { state: "unknown", reason: "systemd gave no restart count" };
    const table: {
      parts: { composeService?: string; verdict: Verdict }[];
      want: Verdict;
    }[] = [
      {
        parts: [
          { composeService: "db", verdict: ok("up 10s without a restart") },
          { composeService: "web", verdict: bad("http 503 after 3 tries") },
        ],
        want: { state: "unhealthy", reason: "web: http 503 after 3 tries" },
      },
      {
        parts: [
          { composeService: "db", verdict: bad("command exit 2 after 3 tries") },
          { composeService: "web", verdict: bad("http 503 after 3 tries") },
        ],
        want: {
          state: "unhealthy",
          reason: "db: command exit 2 after 3 tries; web: http 503 after 3 tries",
        },
      },
      {
        parts: [
          { verdict: ok("tcp passed after 1 probe(s)") },
          { composeService: "web", verdict: unknown },
        ],
        want: { state: "unknown", reason: "web: systemd gave no restart count" },
      },
      {
        parts: [
          { composeService: "db", verdict: ok("container passed after 2 probe(s)") },
          { composeService: "web", verdict: ok("http passed after 1 probe(s)") },
        ],
        want: {
          state: "healthy",
          reason: "db: container passed after 2 probe(s); web: http passed after 1 probe(s)",
        },
      },
      {
        parts: [{ composeService: "web", verdict: { state: "pending", waitMs: 5 } }],
        want: { state: "unknown", reason: "web: no verdict" },
      },
      { parts: [], want: { state: "unknown", reason: "nothing to judge" } },
      {
        parts: ["a", "b", "c", "d", "e"].map((s) => ({
          composeService: s,
          verdict: bad("exited"),
        })),
        want: { state: "unhealthy", reason: "a: exited; b: exited; c: exited; 2 more" },
      },
    ];
    for (const { parts, want } of table) {
      assert.deepEqual(combineVerdicts(parts), want, JSON.stringify(parts));
    }
  },
});

Deno.test({
  name:
    "withAgentHealth() warns about health.compose names that are no compose service, at the file and line of the name",
  permissions: PURE,
  fn() {
    const desired = read({
      [`${HOST}/config.yml`]:
        "services:\n  blog:\n    health:\n      compose:\n        wbe: none\n        web: none\n  api: {}\n  shop: {}\n",
      [`${HOST}/blog/compose.yaml`]: COMPOSE(""),
      [`${HOST}/shop/compose.yaml`]: COMPOSE(""),
      [`${HOST}/api/manifest.yml`]: "Container:\n  Image:\n    - docker.io/library/nginx:1.27\n",
    });
    const agent = parseConfig(
      SOURCE + '[services.api.health.compose]\nweb = "none"\n' +
        '[services.shop.health.compose.nosuch]\ntcp = "127.0.0.1:80"\n',
      "/c.toml",
      CTX,
    );
    // settings made in code, not read from a file: the agent config's file, no line
    const made: HealthSettings = { ...DEFAULT_HEALTH, compose: { nope: NONE } };
    const table: {
      options: Parameters<typeof withAgentHealth>[1];
      want: (string | number | undefined)[][];
    }[] = [
      {
        options: agent.services,
        want: [
          [
            "/c.toml",
            4,
            "api",
            "services.api.health.compose.web is unused: api is no compose project",
            "Write the checks as health's own keys, or remove compose:",
          ],
          [
            `${HOST}/config.yml`,
            5,
            "blog",
            "services.blog.health.compose.wbe is unused: blog has no compose service wbe",
            "Its compose services: db, web",
          ],
          [
            "/c.toml",
            5,
            "shop",
            "services.shop.health.compose.nosuch is unused: shop has no compose service nosuch",
            "Its compose services: db, web",
          ],
        ],
      },
      {
        options: { shop: { health: made } },
        want: [
          [
            `${HOST}/config.yml`,
            5,
            "blog",
            "services.blog.health.compose.wbe is unused: blog has no compose service wbe",
            "Its compose services: db, web",
          ],
          [
            "/c.toml",
            undefined,
            "shop",
            "services.shop.health.compose.nope is unused: shop has no compose service nope",
            "Its compose services: db, web",
          ],
        ],
      },
    ];
    for (const { options, want } of table) {
      const out = withAgentHealth(desired, options, "/c.toml");
      const added = out.problems.slice(desired.problems.length);
      assert.ok(added.every((p) => p.level === "warning"));
      assert.deepEqual(added.map((p) => [p.file, p.line, p.service, p.message, p.hint]), want);
    }
  },
});
