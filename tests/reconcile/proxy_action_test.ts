import assert from "node:assert/strict";
import { withProxySnippet } from "../../lib/reconcile/proxy_action.ts";
import type { SnippetAction } from "../../lib/reconcile/types.ts";
import { cleanDesired, deployed, desiredFrom, manifest, plan } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const IMAGE = "docker.io/library/nginx:1.27";
const PATH = "/srv/caddy/hoist.caddy";
const RELOAD = ["podman", "exec", "caddy", "caddy", "reload", "--config", "/etc/caddy/Caddyfile"];

const withUrls = (urls: string) =>
  cleanDesired({
    "config.yml": `services:\n  web:\n    urls: {${urls}}\n`,
    "web/manifest.yml": manifest(IMAGE),
  });
const site = (host: string, port = 8080) =>
  `# web\n${host} {\n\treverse_proxy systemd-gitops-web:${port}\n}\n`;
const header = "# Written by hoist from the services' urls; do not edit (it is rewritten).\n";

Deno.test({
  name:
    "withProxySnippet() plans the snippet last, only when its text changes, saying which routes",
  permissions: PURE,
  fn() {
    const v1 = withUrls("a.example.org: web:8080, b.example.org: web:8080");
    const text1 = `${header}\n${site("a.example.org")}\n${site("b.example.org")}`;
    const table: {
      name: string;
      current: string | null;
      desired: typeof v1;
      action?: Pick<SnippetAction, "content" | "previous" | "reason">;
    }[] = [
      {
        name: "no snippet yet",
        current: null,
        desired: v1,
        action: {
          content: text1,
          previous: null,
          reason: "new snippet: a.example.org, b.example.org",
        },
      },
      { name: "the same text: nothing to do", current: text1, desired: v1 },
      {
        name: "a route added, one changed, one removed",
        current: text1,
        desired: withUrls("a.example.org: web:9090, c.example.org: web:8080"),
        action: {
          content: `${header}\n${site("a.example.org", 9090)}\n${site("c.example.org")}`,
          previous: text1,
          reason: "urls changed: ~ a.example.org, - b.example.org, + c.example.org",
        },
      },
    ];
    for (const t of table) {
      const base = plan(t.desired, deployed(t.desired));
      const got = withProxySnippet(base, t.desired, "gitops-", {
        path: PATH,
        reload: RELOAD,
        current: t.current,
      });
      assert.deepEqual(got.problems, [], t.name);
      const last = got.actions.at(-1);
      if (t.action === undefined) {
        assert.deepEqual(got.actions, base.actions, t.name);
        continue;
      }
      assert.deepEqual(last, {
        kind: "proxy-snippet",
        path: PATH,
        reload: RELOAD,
        code: "urls-changed",
        ...t.action,
      }, t.name);
      assert.deepEqual(got.actions.slice(0, -1), base.actions, t.name);
    }
  },
});

Deno.test({
  name: "withProxySnippet() leaves the snippet alone when config.yml or a url is wrong",
  permissions: PURE,
  fn() {
    const broken = desiredFrom({ "config.yml": "services: [web]\n" });
    const p1 = plan(broken, deployed(broken));
    assert.equal(p1.blocked, true);
    assert.equal(
      withProxySnippet(p1, broken, "gitops-", { path: PATH, reload: [], current: "x" }),
      p1,
    );

    const bad = desiredFrom({
      "config.yml": "services:\n  web:\n    urls: {a.example.org: nosuch:80}\n",
      "web/manifest.yml": manifest(IMAGE),
    });
    const p2 = withProxySnippet(plan(bad, deployed(bad)), bad, "gitops-", {
      path: PATH,
      reload: [],
      current: "old",
    });
    assert.ok(!p2.actions.some((a) => a.kind === "proxy-snippet"));
    assert.deepEqual(p2.problems.map((p) => `${p.level} ${p.line}: ${p.message}`), [
      "error 3: services.web.urls.a.example.org: nosuch names no container of web",
    ]);
  },
});

Deno.test({
  name: "withProxySnippet() without [proxy] only checks the urls, and says no snippet is written",
  permissions: PURE,
  fn() {
    const d = withUrls("a.example.org: web:8080");
    const got = withProxySnippet(plan(d, deployed(d)), d, "gitops-", undefined);
    assert.ok(!got.actions.some((a) => a.kind === "proxy-snippet"));
    assert.deepEqual(got.problems.map((p) => p.message), [
      "the services' urls route 1 hostname(s), but no Caddy snippet is written",
    ]);
  },
});
