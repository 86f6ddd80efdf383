/**
 * The reverse-proxy snippet end to end through `hoist plan/apply`, with real git, the real quadlet
 * generator, a FAKE podman + systemd (tests/support/fake_host.ts) and the REAL Caddy (Debian's
 * caddy package, 2.6): the reload command the test configures runs `caddy adapt` over a main
 * Caddyfile that imports the snippet, so every snippet hoist writes is one Caddy accepts, routing
 * each hostname to the container named in config.yml's urls, or (layouts without config.yml) in
 * the agent config's `[services.<name>] urls`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { makeHost, show, skipWithoutQuadlet, type TestHost, withTempDir } from "./helpers.ts";

const ignore = skipWithoutQuadlet();
const CADDY = Deno.env.get("CADDY") ?? "/usr/bin/caddy";
const HOST = "gitops/edge";
const IMAGE = "localhost/busybox:latest";

const config = (web: string, blog = "blog.example.org: front:80") =>
  `services:\n  web:\n    urls: {${web}}\n  blog:\n    urls: {${blog}}\n`;
const FILES = {
  [`${HOST}/config.yml`]: config("app.example.org: web:8080, www.example.org: web:8080"),
  [`${HOST}/web/manifest.yml`]: `Container:\n  Image: ${IMAGE}\n`,
  [`${HOST}/blog/front.container`]: `[Container]\nImage=${IMAGE}\n`,
  [`${HOST}/blog/worker.container`]: `[Container]\nImage=${IMAGE}\n`,
};

interface Proxy {
  readonly snippet: string;
  readonly adapted: string;
  readonly reloads: string;
}

/** Adds `[proxy]` to the host's agent config: the snippet, and a reload running caddy adapt. */
async function withProxy(h: TestHost, dir: string, reload?: string[]): Promise<Proxy> {
  const caddy = `${dir}/caddy`;
  await Deno.mkdir(caddy, { recursive: true });
  const p = {
    snippet: `${caddy}/hoist.caddy`,
    adapted: `${caddy}/adapted.json`,
    reloads: `${caddy}/reloads`,
  };
  await Deno.writeTextFile(`${caddy}/Caddyfile`, `{\n\tadmin off\n}\n\nimport ${p.snippet}\n`);
  const argv = reload ?? [
    "bash",
    "-c",
    `${CADDY} adapt --config ${caddy}/Caddyfile --adapter caddyfile > ${p.adapted} && echo reloaded >> ${p.reloads}`,
  ];
  const text = await Deno.readTextFile(h.configPath);
  await Deno.writeTextFile(
    h.configPath,
    `${text}\n[proxy]\ncaddy_snippet = "${p.snippet}"\nreload = ${JSON.stringify(argv)}\n`,
  );
  return p;
}

const read = (path: string) => Deno.readTextFile(path).catch(() => "");

/** Host matcher → upstream dials of caddy adapt's JSON. */
function routesOf(adapted: string): Record<string, string[]> {
  type Handler = { handler: string; upstreams?: { dial: string }[]; routes?: Route[] };
  type Route = { match?: { host?: string[] }[]; handle?: Handler[] };
  const json = JSON.parse(adapted) as {
    apps: { http: { servers: Record<string, { routes: Route[] }> } };
  };
  const dials = (hs: readonly Handler[] = []): string[] =>
    hs.flatMap((h) => [
      ...(h.upstreams ?? []).map((u) => u.dial),
      ...(h.routes ?? []).flatMap((r) => dials(r.handle)),
    ]);
  const out: Record<string, string[]> = {};
  for (const server of Object.values(json.apps.http.servers)) {
    for (const r of server.routes) {
      for (const host of r.match?.flatMap((m) => m.host ?? []) ?? []) out[host] = dials(r.handle);
    }
  }
  return out;
}

Deno.test({
  name:
    "hoist apply writes the Caddy snippet from config.yml's urls, reloads once per change, and Caddy accepts it",
  ignore,
  async fn() {
    const found = await Deno.stat(CADDY).then(() => true, () => false);
    assert.ok(found, `${CADDY} is missing: apt-get install caddy (or set CADDY)`);
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, FILES, "edge");
      const p = await withProxy(h, dir);

      const planned = await h.cli("plan");
      assert.equal(planned.code, 0, show(planned));
      assert.match(
        planned.out,
        new RegExp(
          `^\\+ write ${p.snippet}: new snippet: app\\.example\\.org, blog\\.example\\.org, www\\.example\\.org$`,
          "m",
        ),
      );
      assert.match(planned.out, /^ +\+\treverse_proxy systemd-gitops-web:8080$/m);
      assert.match(planned.out, /^ +then run bash -c .*caddy adapt/m);
      assert.equal(await read(p.snippet), "", "a plan writes nothing");

      const applied = await h.cli("apply");
      assert.equal(applied.code, 0, show(applied));
      assert.deepEqual(routesOf(await read(p.adapted)), {
        "app.example.org": ["systemd-gitops-web:8080"],
        "blog.example.org": ["systemd-front:80"],
        "www.example.org": ["systemd-gitops-web:8080"],
      });
      assert.equal(await read(p.reloads), "reloaded\n");
      const first = await read(p.snippet);

      // nothing changed: no write, no reload
      const again = await h.cli("apply");
      assert.equal(again.code, 0, show(again));
      assert.equal(await read(p.reloads), "reloaded\n");
      assert.equal(await read(p.snippet), first);

      // a commit changing the routes: the plan names them, apply rewrites and reloads
      await h.repo.commit({ [`${HOST}/config.yml`]: config("app.example.org: web:9090") });
      const changed = await h.cli("plan");
      assert.match(
        changed.out,
        /: urls changed: ~ app\.example\.org, - www\.example\.org$/m,
        show(changed),
      );
      // the urls are not part of any service's hash: nothing else changes
      assert.match(changed.out, /^Plan: the proxy snippet to write\.$/m, show(changed));
      assert.equal((await h.cli("apply")).code, 0);
      assert.deepEqual(routesOf(await read(p.adapted)), {
        "app.example.org": ["systemd-gitops-web:9090"],
        "blog.example.org": ["systemd-front:80"],
      });
      assert.equal(await read(p.reloads), "reloaded\nreloaded\n");

      // one hostname claimed by both services: an error naming both lines; the snippet stays
      const before = await read(p.snippet);
      await h.repo.commit({
        [`${HOST}/config.yml`]: config("app.example.org: web:9090", "app.example.org: front:80"),
      });
      const clash = await h.cli("plan");
      assert.equal(clash.code, 1, show(clash));
      assert.ok(
        (clash.err + clash.out).includes(
          `${HOST}/config.yml:3: app.example.org is claimed twice: by blog (${HOST}/config.yml:5) and by web (${HOST}/config.yml:3)`,
        ),
        show(clash),
      );
      await h.cli("apply");
      assert.equal(await read(p.snippet), before);
      // hoist validate (a pre-merge check) finds the same
      const validated = await h.rawCli("validate", h.repo.path);
      assert.equal(validated.code, 1, show(validated));
      assert.ok(
        validated.out.includes(
          `${HOST}/config.yml:3: app.example.org is claimed twice: by blog (${HOST}/config.yml:5) and by web (${HOST}/config.yml:3)`,
        ),
        show(validated),
      );
    });
  },
});

Deno.test({
  name:
    "a failed reload is an error with the command's reason, and the previous snippet is put back",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, FILES, "edge");
      const p = await withProxy(h, dir, [
        "bash",
        "-c",
        "echo 'Error: adapting config using caddyfile: refused by the test' >&2; exit 1",
      ]);
      await Deno.writeTextFile(p.snippet, "# the snippet Caddy runs now\n");
      const applied = await h.cli("apply");
      assert.equal(applied.code, 1, show(applied));
      assert.match(
        applied.err + applied.out,
        new RegExp(`reload failed, ${p.snippet} put back as it was: .*refused by the test`),
      );
      assert.equal(await read(p.snippet), "# the snippet Caddy runs now\n");
      // level-triggered: the next run tries again
      const next = await h.cli("plan");
      assert.match(next.out, new RegExp(`^~ write ${p.snippet}: `, "m"), show(next));
    });
  },
});

Deno.test({
  name:
    'layout = "services" (no config.yml): the agent config\'s [services.<name>] urls are routed, Caddy accepts them, and a hostname claimed twice is an error at both agent config lines (hoist validate --config too)',
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      // seed 002's pgo: its urls sit in the agent config, next to the service's other settings
      const h = await makeHost(dir, {
        "services/pgo/compose.yaml": `services:\n  pgo:\n    image: ${IMAGE}\n`,
        "services/blog/front.container": `[Container]\nImage=${IMAGE}\n`,
      }, "edge");
      const base = (await Deno.readTextFile(h.configPath)).replace(
        'path = "gitops"',
        'layout = "services"\npath = "services"',
      );
      const withUrls = (blog: string) =>
        Deno.writeTextFile(
          h.configPath,
          `${base}\n[services.pgo]\nurls = { "pgo.science.ru.nl" = "pgo:5007" }\n\n` +
            `[services.blog.urls]\n${blog}\n`,
        );
      await withUrls('"blog.example.org" = "front:80"');
      const p = await withProxy(h, dir);

      const planned = await h.cli("plan");
      assert.equal(planned.code, 0, show(planned));
      assert.match(
        planned.out,
        new RegExp(
          `^\\+ write ${p.snippet}: new snippet: blog\\.example\\.org, pgo\\.science\\.ru\\.nl$`,
          "m",
        ),
        show(planned),
      );
      const applied = await h.cli("apply");
      assert.equal(applied.code, 0, show(applied));
      const routes = routesOf(await read(p.adapted));
      assert.deepEqual(Object.keys(routes).sort(), ["blog.example.org", "pgo.science.ru.nl"]);
      assert.deepEqual(routes["blog.example.org"], ["systemd-front:80"]);
      // the compose service's container, by its podman name
      const pgo = h.fake.containers().filter((c) => c.unit.includes("pgo")).map((c) => c.name);
      assert.equal(pgo.length, 1, show(applied));
      assert.deepEqual(routes["pgo.science.ru.nl"], [`${pgo[0]}:5007`], show(applied));
      assert.equal(await read(p.reloads), "reloaded\n");

      // blog claims pgo's hostname too: an error at both lines of the agent config; no rewrite
      const before = await read(p.snippet);
      await withUrls('"PGO.science.ru.nl" = "front:80"');
      await withProxy(h, dir);
      const text = await Deno.readTextFile(h.configPath);
      const line = (s: string) => text.split("\n").findIndex((l) => l.includes(s)) + 1;
      const clash = `${h.configPath}:${
        line('"pgo.science.ru.nl"')
      }: pgo.science.ru.nl is claimed twice: by blog (${h.configPath}:${
        line('"PGO.science.ru.nl"')
      }) and by pgo (${h.configPath}:${line('"pgo.science.ru.nl"')})`;
      const refused = await h.cli("apply");
      assert.equal(refused.code, 1, show(refused));
      assert.ok((refused.out + refused.err).includes(clash), show(refused));
      assert.equal(await read(p.snippet), before);
      assert.equal(await read(p.reloads), "reloaded\n");
      // hoist validate reads the agent config it is given, and finds the same
      const validated = await h.cli("validate", "--layout", "services", h.repo.path);
      assert.equal(validated.code, 1, show(validated));
      assert.ok(validated.out.includes(clash), show(validated));
      // without --config it reads none: the checkout alone is fine
      const alone = await h.rawCli("validate", "--layout", "services", h.repo.path);
      assert.equal(alone.code, 0, show(alone));
    });
  },
});
