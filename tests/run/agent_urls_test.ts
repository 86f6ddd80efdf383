/**
 * `[services.<name>] urls` in the agent config (layouts without config.yml, per-service
 * repositories): read by config.yml's rules with the agent config's lines, joined into the desired
 * state where config.yml says none, and routed by the same snippet (one hostname, one service,
 * whichever file says it).
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { proxySnippet } from "../../lib/desired/proxy_snippet.ts";
import { OFFLINE_SECRETS } from "../../lib/desired/secrets.ts";
import { HoistError, type Problem } from "../../lib/errors.ts";
import { desiredFromSources } from "../../lib/run/desired_from_sources.ts";
import { type FakeEntry, repoTree } from "../desired/helpers.ts";
import { PURE } from "../support/pure.ts";

const FILE = "/etc/hoist/config.toml";
const ROOT = { hostname: "edge", uid: 0, home: "/root", env: {} };
const SERVICES = '[source]\nurl = "/srv/gitops.git"\nlayout = "services"\n\n';
const HOSTS = '[source]\nurl = "/srv/gitops.git"\n\n';
const IMAGE = "docker.io/library/nginx:1.27";
const CONFIG = "gitops/edge/config.yml";

const at = (p: Problem) =>
  `${p.file}${p.line === undefined ? "" : `:${p.line}`}: ${p.level}: ${p.message}`;

function configError(text: string): HoistError {
  try {
    parseConfig(text, FILE, ROOT);
  } catch (e) {
    assert.ok(e instanceof HoistError, String(e));
    return e;
  }
  assert.fail("expected a config error");
}

Deno.test({
  name: "parseConfig() reads [services.<name>] urls in each TOML form, each hostname at its line",
  permissions: "none",
  fn() {
    const table: { name: string; toml: string; urls: unknown }[] = [
      {
        name: "an inline table (upper case folded)",
        toml:
          '[services.web]\nurls = { "App.Example.org" = "web:8080", "www.example.org" = "front:80" }\n',
        urls: [
          { host: "app.example.org", name: "web", port: 8080, line: 6 },
          { host: "www.example.org", name: "front", port: 80, line: 6 },
        ],
      },
      {
        name: "a table of its own",
        toml: '[services.web.urls]\n"b.example.org" = "web:80"\n\n"a.example.org" = "web:81"\n',
        urls: [
          { host: "a.example.org", name: "web", port: 81, line: 8 },
          { host: "b.example.org", name: "web", port: 80, line: 6 },
        ],
      },
      {
        name: "dotted keys and a wildcard",
        toml: '[services.web]\npre = "true"\nurls."*.example.org" = \'web:80\'\n',
        urls: [{ host: "*.example.org", name: "web", port: 80, line: 7 }],
      },
      { name: "an empty table", toml: "[services.web]\nurls = {}\n", urls: [] },
    ];
    for (const c of table) {
      const got = parseConfig(SERVICES + c.toml, FILE, ROOT).services.web?.urls;
      assert.deepEqual(got, c.urls, c.name);
    }
  },
});

Deno.test({
  name: "bad [services.<name>] urls are config errors naming the agent config and the line",
  permissions: "none",
  fn() {
    const dns = "is not a DNS name (labels of letters, digits and '-', joined by '.')";
    const plain =
      "(Write a plain hostname such as app.example.org (no scheme, port, path or spaces))";
    const table: { name: string; toml: string; message: string }[] = [
      {
        name: "Caddyfile syntax in a hostname",
        toml: '[services.web]\nurls = { "app.example.org {" = "web:80" }\n',
        message:
          `${FILE}:6: [services.web] urls: hostname "app.example.org {": "app.example.org {" ${dns} ${plain}`,
      },
      {
        name: "a scheme and a path",
        toml: '[services.web.urls]\n"https://app.example.org/x" = "web:80"\n',
        message:
          `${FILE}:6: [services.web] urls: hostname "https://app.example.org/x": "https://app.example.org/x" ${dns} ${plain}`,
      },
      {
        name: "a target without a port",
        toml: '[services.web]\nurls = { "app.example.org" = "web" }\n',
        message:
          `${FILE}:6: [services.web] urls.app.example.org: target must be NAME:PORT (a container of web and its port 1-65535), got "web" (Write urls = { "app.example.org" = "web:8080" })`,
      },
      {
        name: "a port out of range",
        toml: '[services.web.urls]\n"app.example.org" = "web:70000"\n',
        message:
          `${FILE}:6: [services.web] urls.app.example.org: target must be NAME:PORT (a container of web and its port 1-65535), got "web:70000" (Write urls = { "app.example.org" = "web:8080" })`,
      },
      {
        name: "a port given as a number",
        toml: '[services.web.urls]\n"app.example.org" = 8080\n',
        message:
          `${FILE}:6: [services.web] urls.app.example.org: target must be NAME:PORT (a container of web and its port 1-65535), got a number (Write urls = { "app.example.org" = "web:8080" })`,
      },
      {
        name: "a string instead of a table",
        toml: '[services.web]\nuser = "svc-web"\nurls = "app.example.org"\n',
        message:
          `${FILE}:7: [services.web] urls must be a table of hostnames to NAME:PORT, got a string (Write urls = { "app.example.org" = "web:8080" })`,
      },
      {
        name: "two bad entries: both, each at its line",
        toml: '[services.web.urls]\n"a b.example.org" = "web:80"\n"ok.example.org" = "web:0"\n',
        message: [
          `${FILE}:6: [services.web] urls: hostname "a b.example.org": "a b.example.org" ${dns} ${plain}`,
          `${FILE}:7: [services.web] urls.ok.example.org: target must be NAME:PORT (a container of web and its port 1-65535), got "web:0" (Write urls = { "ok.example.org" = "web:8080" })`,
        ].join("\n"),
      },
    ];
    for (const c of table) {
      const e = configError(SERVICES + c.toml);
      assert.equal(e.code, "config-invalid", c.name);
      assert.equal(e.message, c.message, c.name);
      assert.match(e.hint ?? "", /^urls = \{ "app\.example\.org" = "web:8080" \}/, c.name);
    }
  },
});

/** The snippet's sites (`host -> upstream  # service`) and every problem of plan's reading. */
function routed(toml: string, files: Record<string, FakeEntry>) {
  const config = parseConfig(toml, FILE, ROOT);
  const tree = repoTree(files);
  const desired = desiredFromSources(
    config,
    [{ source: config.sources[0]!, trees: { kind: "host-folders", tree } }],
    OFFLINE_SECRETS,
  );
  const snippet = proxySnippet(desired, config.unitPrefix);
  const read = [...desired.problems, ...desired.services.flatMap((s) => s.problems)];
  return {
    routes: snippet.routes.map((r) => `${r.host} -> ${r.upstream}  # ${r.service}`),
    written: snippet.text !== undefined,
    problems: [...read, ...snippet.problems].map(at),
  };
}

const folders = {
  "services/web/web.container": `[Container]\nImage=${IMAGE}\n`,
  "services/api/compose.yaml": `services:\n  api:\n    image: ${IMAGE}\n`,
};
const hostFiles = (configYml: string) => ({
  [CONFIG]: configYml,
  "gitops/edge/web/manifest.yml": `Container:\n  Image: ${IMAGE}\n`,
  "gitops/edge/api/manifest.yml": `Container:\n  Image: ${IMAGE}\n`,
});

Deno.test({
  name:
    "the agent config's urls route like config.yml's: which file wins, one hostname per service, unknown names",
  permissions: PURE,
  fn() {
    const table: {
      name: string;
      toml: string;
      files: Record<string, FakeEntry>;
      routes: string[];
      written: boolean;
      problems: string[];
    }[] = [
      {
        name: 'layout = "services": the agent config is the only place for urls',
        toml: SERVICES +
          '[services.web]\nurls = { "app.example.org" = "web:8080" }\n\n' +
          '[services.api.urls]\n"api.example.org" = "api:80"\n',
        files: folders,
        routes: [
          "api.example.org -> api-api:80  # api",
          "app.example.org -> systemd-web:8080  # web",
        ],
        written: true,
        problems: [],
      },
      {
        name: "config.yml's urls for one service, the agent config's for another",
        toml: HOSTS + '[services.api]\nurls = { "api.example.org" = "api:80" }\n',
        files: hostFiles(
          "services:\n  web:\n    urls: {app.example.org: web:8080}\n  api: {}\n",
        ),
        routes: [
          "api.example.org -> systemd-gitops-api:80  # api",
          "app.example.org -> systemd-gitops-web:8080  # web",
        ],
        written: true,
        problems: [],
      },
      {
        name: "config.yml's urls win over the agent config's for one service, with a warning",
        toml: HOSTS + '[services.web]\nurls = { "old.example.org" = "web:80" }\n',
        files: hostFiles("services:\n  web:\n    urls: {app.example.org: web:8080}\n  api: {}\n"),
        routes: ["app.example.org -> systemd-gitops-web:8080  # web"],
        written: true,
        problems: [
          `${FILE}:5: warning: [services.web] urls is unused: ${CONFIG} sets services.web.urls`,
        ],
      },
      {
        name: "one hostname claimed in config.yml and in the agent config names both places",
        toml: HOSTS + '[services.api]\nurls = { "app.example.org" = "api:80" }\n',
        files: hostFiles("services:\n  web:\n    urls: {app.example.org: web:8080}\n  api: {}\n"),
        routes: [
          "app.example.org -> systemd-gitops-api:80  # api",
          "app.example.org -> systemd-gitops-web:8080  # web",
        ],
        written: false,
        problems: [
          `${CONFIG}:3: error: app.example.org is claimed twice: by api (${FILE}:5) and by web (${CONFIG}:3)`,
        ],
      },
      {
        name: "one hostname claimed twice within the agent config names both lines",
        toml: SERVICES +
          '[services.web]\nurls = { "app.example.org" = "web:8080" }\n\n' +
          '[services.api.urls]\n"App.example.org" = "api:80"\n',
        files: folders,
        routes: [
          "app.example.org -> api-api:80  # api",
          "app.example.org -> systemd-web:8080  # web",
        ],
        written: false,
        problems: [
          `${FILE}:6: error: app.example.org is claimed twice: by api (${FILE}:9) and by web (${FILE}:6)`,
        ],
      },
      {
        name: "urls of a service the host does not have: a warning, and no route",
        toml: SERVICES + '[services.wbe]\nurls = { "app.example.org" = "web:8080" }\n',
        files: folders,
        routes: [],
        written: true,
        problems: [
          `${FILE}: warning: [services.wbe] names no service of this host; its settings are unused`,
        ],
      },
      {
        name: "a target naming no container of the service is an error at the agent config's line",
        toml: SERVICES + '[services.web.urls]\n"app.example.org" = "front:80"\n',
        files: folders,
        routes: [],
        written: false,
        problems: [
          `${FILE}:6: error: [services.web] urls.app.example.org: front names no container of web`,
        ],
      },
    ];
    for (const c of table) {
      const got = routed(c.toml, c.files);
      assert.deepEqual(got, { routes: c.routes, written: c.written, problems: c.problems }, c.name);
    }
  },
});

Deno.test({
  name:
    "a route to a service that runs as another account is written with a warning at its urls line",
  permissions: PURE,
  fn() {
    const table: { name: string; toml: string; files: Record<string, FakeEntry> }[] = [
      {
        name: "user and urls both in the agent config",
        toml: SERVICES +
          '[services.web]\nuser = "svc-web"\nurls = { "app.example.org" = "web:8080" }\n',
        files: folders,
      },
      {
        name: "user in config.yml, urls in config.yml",
        toml: HOSTS + "\n\n",
        files: hostFiles(
          "services:\n  web:\n    user: svc-web\n    urls: {app.example.org: web:8080}\n  api: {}\n",
        ),
      },
    ];
    const [agent, yml] = table.map((c) => routed(c.toml, c.files));
    assert.deepEqual(agent, {
      routes: ["app.example.org -> systemd-web:8080  # web"],
      written: true,
      problems: [
        `${FILE}:7: warning: web runs as svc-web (user), in that account's rootless podman: a Caddy container of hoist's own podman cannot reach systemd-web by name (app.example.org)`,
      ],
    });
    assert.deepEqual(yml, {
      routes: ["app.example.org -> systemd-gitops-web:8080  # web"],
      written: true,
      problems: [
        `${CONFIG}:4: warning: web runs as svc-web (user), in that account's rootless podman: a Caddy container of hoist's own podman cannot reach systemd-gitops-web by name (app.example.org)`,
      ],
    });
  },
});
