/**
 * Remote control against real systemd 257 + podman 5.4 (rootful): `hoist serve` runs inside as a
 * transient unit, and the real `hoist remote` client on this side (the network namespace is
 * shared) operates it with a key committed in the service's ssh/ folder: `restart` gives web a new
 * container and leaves the other service's alone; `logs` shows what web's container printed; `ps`
 * lists it; the other service's key is refused; `stop` keeps web stopped across a no-op
 * `hoist apply` (the plan and `hoist status` say who stopped it) and `start` brings it back; the
 * Caddy snippet of config.yml's urls is written with both URLs and the reload command runs.
 * Ports 19000–19099.
 */
import assert from "node:assert/strict";
import { runRemote as remote } from "../remote/client.ts";
import { makeKey } from "../remote/keys.ts";
import {
  type Container,
  containers,
  e2eGate,
  http,
  IMAGE,
  inside,
  prepare,
  Repo,
  servingManifest,
  startServe,
  sweep,
  unitProperty,
  until,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const PREFIX = "rmt-";
const WEB = 19001;
const OTHER = 19002;
const SERVE = 19003;
const UNIT = "hoist-remote-e2e";
const MARKER = "remote-logs-marker-7f3a";

/** This file's container of `service` (other e2e files run services named web too). */
const ours = (service: string) => (c: Container) =>
  c.labels["gitops-service"] === service &&
  c.labels["PODMAN_SYSTEMD_UNIT"] === `${PREFIX}${service}.service`;

Deno.test({
  name:
    "e2e remote: hoist remote … web restart gives web a new container and nothing else; logs shows its output",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    await sweep("system", PREFIX);
    const keys = await Deno.makeTempDir({ prefix: "hoist-e2e-remote-" });
    const alice = await makeKey(keys, "alice");
    const bob = await makeKey(keys, "bob");
    const repo = await Repo.create("system", {
      "gitops/remotehost/config.yml":
        "services:\n  web:\n    urls: {app.example.org: web:8080, www.example.org: web:8080}\n" +
        "  other: {}\n",
      "gitops/remotehost/web/manifest.yml": servingManifest(
        WEB,
        "web-v1",
        `/bin/sh -c "echo ${MARKER}; exec /bin/serve"`,
      ),
      "gitops/remotehost/web/ssh/alice.pub": `${alice.pub}\n`,
      "gitops/remotehost/other/manifest.yml": servingManifest(OTHER, "other-v1"),
      "gitops/remotehost/other/ssh/bob.pub": `${bob.pub}\n`,
    });
    const state = `${repo.dir}/state`;
    const snippet = `${repo.dir}/caddy/hoist.caddy`;
    const config = `${repo.dir}/config.toml`;
    await Deno.writeTextFile(
      config,
      repo.configText("remotehost", PREFIX, state) +
        `\n[serve]\nlisten = "127.0.0.1:${SERVE}"\ninterval = "0"\n` +
        `\n[proxy]\ncaddy_snippet = "${snippet}"\nreload = ${
          JSON.stringify(["sh", "-c", `echo reloaded >> ${repo.dir}/caddy/reloads`])
        }\n`,
    );
    try {
      const journal = await startServe(UNIT, config, SERVE);
      assert.equal(await http(WEB), "web-v1");
      assert.equal(await http(OTHER), "other-v1");
      // the start run wrote the Caddy snippet with both URLs and ran the reload command once
      const routes = await Deno.readTextFile(snippet);
      for (const host of ["app.example.org", "www.example.org"]) {
        assert.ok(
          routes.includes(`${host} {\n\treverse_proxy systemd-${PREFIX}web:8080\n}\n`),
          routes,
        );
      }
      assert.equal(await Deno.readTextFile(`${repo.dir}/caddy/reloads`), "reloaded\n");
      const target = `127.0.0.1:${SERVE}`;
      const before = await containers("system");
      const webBefore = before.find(ours("web"));
      const otherBefore = before.find(ours("other"));
      assert.ok(webBefore && otherBefore, JSON.stringify(before));

      const ps = await remote([target, "web", "ps", "-i", alice.path]);
      assert.equal(ps.code, 0, ps.err);
      assert.match(
        ps.out,
        new RegExp(
          `^${webBefore.name}\\s+${IMAGE}\\s+running\\s+-\\s+\\S+\\s+127\\.0\\.0\\.1:${WEB}->8080/tcp$`,
          "m",
        ),
      );

      const logs = await until("web's output in the journal", async () => {
        const r = await remote([target, "web", "logs", "--tail", "50", "-i", alice.path]);
        return r.code === 0 && r.out.includes(MARKER) ? r : undefined;
      }, journal);
      assert.equal(logs.code, 0);

      const restart = await remote([`${target}:web//restart`, "-i", alice.path]);
      assert.equal(restart.code, 0, restart.err);
      const after = await containers("system");
      const webAfter = after.find(ours("web"));
      const otherAfter = after.find(ours("other"));
      assert.ok(webAfter && webAfter.id !== webBefore.id, "web has a new container");
      assert.equal(otherAfter?.id, otherBefore.id, "the other service's container is untouched");
      assert.equal(await http(WEB), "web-v1");

      const refused = await remote([`${target}:web//restart`, "-i", bob.path]);
      assert.equal(refused.code, 3, refused.err);
      assert.match(refused.err, /may not operate web/);
      assert.equal(
        (await containers("system")).find(ours("web"))?.id,
        webAfter.id,
      );

      // stop stays stopped: a no-op apply leaves web down and the plan says who stopped it
      const stopped = await remote([target, "web", "stop", "-i", alice.path]);
      assert.equal(stopped.code, 0, stopped.err);
      assert.equal(await unitProperty("system", `${PREFIX}web.service`, "ActiveState"), "inactive");
      const cli = (args: string[]) =>
        inside("system", ["/usr/local/bin/hoist", "--config", config, ...args]);
      const noop = await cli(["apply"]);
      assert.equal(noop.code, 0, noop.stderr);
      assert.equal(await unitProperty("system", `${PREFIX}web.service`, "ActiveState"), "inactive");
      assert.equal(await unitProperty("system", `${PREFIX}other.service`, "ActiveState"), "active");
      const planned = await cli(["plan"]);
      const said = planned.stdout + planned.stderr;
      assert.match(
        said,
        /web: stopped by SHA256:\S+ \(alice\S*\) at \d{4}-\d\d-\d\dT\S+; left stopped/,
      );
      assert.doesNotMatch(said, /start rmt-web\.service/);
      const json = JSON.parse((await cli(["plan", "--json"])).stdout) as {
        actions: { service: string }[];
        problems: { message: string }[];
      };
      assert.deepEqual(json.actions.filter((a) => a.service === "web"), []);
      assert.ok(json.problems.some((p) => /^web: stopped by SHA256:/.test(p.message)));
      const status = await cli(["status"]);
      assert.match(status.stdout, /^web\s.*stopped by SHA256:\S+ \(alice/m);

      // start brings it back and lifts the stop: the next apply does not stop it again
      const started = await remote([target, "web", "start", "-i", alice.path]);
      assert.equal(started.code, 0, started.err);
      assert.equal(await http(WEB), "web-v1");
      const again = await cli(["plan"]);
      assert.doesNotMatch(again.stdout + again.stderr, /stopped by/);
    } finally {
      await inside("system", ["systemctl", "stop", UNIT]);
      await repo.write({ "gitops/remotehost/config.yml": "services: {}\n" });
      await repo.commit("remove all");
      await inside("system", ["/usr/local/bin/hoist", "--config", config, "apply", "--quiet"]);
      await sweep("system", PREFIX);
      await repo.remove();
      await Deno.remove(keys, { recursive: true });
    }
  },
});
