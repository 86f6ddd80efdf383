import assert from "node:assert/strict";
import type { Problem } from "../../lib/errors.ts";
import { proxySnippet } from "../../lib/desired/proxy_snippet.ts";
import { desiredFrom, manifest } from "../reconcile/helpers.ts";
import { PURE } from "../support/pure.ts";

const at = (p: Problem) => `${p.file}${p.line === undefined ? "" : `:${p.line}`}: ${p.message}`;
const IMAGE = "docker.io/library/nginx:1.27";
const CONFIG = "gitops/h1/config.yml";

/** The snippet, or the problems (file:line: message), of a host with these files. */
function snippetOf(files: Record<string, string>): { text?: string; problems: string[] } {
  const d = desiredFrom(files);
  const read = [...d.problems, ...d.services.flatMap((s) => s.problems)].map(at);
  const got = proxySnippet(d, "gitops-");
  return {
    ...(got.text === undefined ? {} : { text: got.text }),
    problems: [...read, ...got.problems.map(at)],
  };
}

const HEADER = "# Written by hoist from the services' urls; do not edit (it is rewritten).\n";

Deno.test({
  name: "proxySnippet() routes each hostname to its service's container, sorted, by podman name",
  permissions: PURE,
  fn() {
    const got = snippetOf({
      "config.yml": "services:\n" +
        "  web:\n    urls:\n      www.example.org: web:8080\n      App.Example.org: web:8080\n" +
        "  blog:\n    urls: {blog.example.org: front:80}\n" +
        "  db: {}\n",
      "web/manifest.yml": manifest(IMAGE),
      "blog/front.container": "[Container]\nImage=docker.io/library/caddy:2\n",
      "blog/worker.container": "[Container]\nImage=docker.io/library/busybox\n",
      "db/manifest.yml": manifest("docker.io/library/postgres:17"),
    });
    assert.deepEqual(got.problems, []);
    assert.equal(
      got.text,
      HEADER + "\n" +
        "# web\napp.example.org {\n\treverse_proxy systemd-gitops-web:8080\n}\n\n" +
        "# blog\nblog.example.org {\n\treverse_proxy systemd-front:80\n}\n\n" +
        "# web\nwww.example.org {\n\treverse_proxy systemd-gitops-web:8080\n}\n",
    );
  },
});

Deno.test({
  name: "proxySnippet() uses ContainerName= and matches it by name",
  permissions: PURE,
  fn() {
    const got = snippetOf({
      "config.yml": "services:\n  web:\n    urls: {a.example.org: frontend:8080}\n",
      "web/manifest.yml": manifest(IMAGE, { more: ["  ContainerName: frontend\n"] }),
    });
    assert.deepEqual(got.problems, []);
    assert.equal(
      got.text,
      `${HEADER}\n# web\na.example.org {\n\treverse_proxy frontend:8080\n}\n`,
    );
  },
});

Deno.test({
  name: "proxySnippet() with no urls is the header alone",
  permissions: PURE,
  fn() {
    const got = snippetOf({
      "config.yml": "services:\n  web: {}\n",
      "web/manifest.yml": manifest(IMAGE),
    });
    assert.deepEqual(got, { text: HEADER, problems: [] });
  },
});

Deno.test({
  name: "bad urls in config.yml are errors at their line, and nothing reaches the snippet",
  permissions: PURE,
  fn() {
    const web = "web/manifest.yml";
    const table: { name: string; config: string; problems: string[] }[] = [
      {
        name: "a hostname claimed by two services names both lines",
        config: "services:\n  web:\n    urls: {app.example.org: web:80}\n" +
          "  api:\n    urls:\n      app.example.org: api:80\n",
        problems: [
          `${CONFIG}:3: app.example.org is claimed twice: by api (${CONFIG}:6) and by web (${CONFIG}:3)`,
        ],
      },
      {
        name: "Caddyfile syntax in a hostname",
        config: 'services:\n  web:\n    urls:\n      "app.example.org {\\n  respond x": web:80\n',
        problems: [
          `${CONFIG}:4: services.web.urls: hostname "app.example.org {\\n  respond x": "app.example.org {\\n  respond x" is not a DNS name (labels of letters, digits and '-', joined by '.')`,
        ],
      },
      {
        name: "a scheme and a path",
        config: "services:\n  web:\n    urls:\n      https://app.example.org/x: web:80\n",
        problems: [
          `${CONFIG}:4: services.web.urls: hostname "https://app.example.org/x": "https://app.example.org/x" is not a DNS name (labels of letters, digits and '-', joined by '.')`,
        ],
      },
      {
        name: "a target with a space and a brace",
        config: 'services:\n  web:\n    urls:\n      app.example.org: "web:80 {"\n',
        problems: [
          `${CONFIG}:4: services.web.urls.app.example.org: target must be NAME:PORT (a container of web and its port 1-65535), got "web:80 {"`,
        ],
      },
      {
        name: "a port out of range",
        config: "services:\n  web:\n    urls:\n      app.example.org: web:70000\n",
        problems: [
          `${CONFIG}:4: services.web.urls.app.example.org: target must be NAME:PORT (a container of web and its port 1-65535), got "web:70000"`,
        ],
      },
      {
        name: "a target naming no container of the service",
        config: "services:\n  web:\n    urls:\n      app.example.org: db:5432\n",
        problems: [
          `${CONFIG}:4: services.web.urls.app.example.org: db names no container of web`,
        ],
      },
      {
        name: "urls that are not a map",
        config: "services:\n  web:\n    urls: [app.example.org]\n",
        problems: [
          `${CONFIG}:3: services.web.urls must be a map of hostnames to NAME:PORT, got a list of 1`,
        ],
      },
    ];
    for (const t of table) {
      const got = snippetOf({
        "config.yml": t.config,
        [web]: manifest(IMAGE),
        "api/manifest.yml": manifest(IMAGE),
      });
      assert.deepEqual(got.problems, t.problems, t.name);
      if (t.problems.length > 0 && !t.name.startsWith("urls that")) {
        assert.equal(got.text, undefined, t.name);
      }
    }
  },
});

Deno.test({
  name: "proxySnippet() keeps the snippet while a service with urls is blocked",
  permissions: PURE,
  fn() {
    const got = snippetOf({
      "config.yml": "services:\n  web:\n    urls: {app.example.org: web:80}\n",
      "web/manifest.yml": "Container: [oops]\n",
    });
    assert.equal(got.text, undefined);
    assert.ok(
      got.problems.some((p) =>
        p.includes("the Caddy snippet is not updated: web has urls but is blocked")
      ),
      got.problems.join("\n"),
    );
  },
});
