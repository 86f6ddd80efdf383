/**
 * Remote control of a service that runs as another account (`user = e2e`, rootful hoist) against
 * real systemd 257 + podman 5.4: `hoist serve` runs inside as a transient unit and the real
 * `hoist remote` client on this side operates web with a key committed in its ssh/ folder. `ps`
 * lists web's container from e2e's podman, `logs` shows what it printed (e2e's units' journal, read
 * by root), `restart` gives it a new container in e2e's storage and leaves root's service alone,
 * `stop` stops it in e2e's manager and it stays stopped across a no-op `hoist apply`, `start`
 * brings it back. Prefix `ru-`, ports 19500–19509.
 */
import assert from "node:assert/strict";
import { runRemote as remote } from "../remote/client.ts";
import { makeKey } from "../remote/keys.ts";
import {
  type Container,
  containers,
  E2E_USER,
  e2eGate,
  http,
  IMAGE,
  inside,
  insideOk,
  prepare,
  quadletDir,
  Repo,
  servingManifest,
  startServe,
  sweep,
  until,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const PREFIX = "ru-";
const HOST = "ruhost";
const G = `gitops/${HOST}`;
const WEB = 19501;
const OTHER = 19502;
const SERVE = 19503;
const UNIT = "hoist-remote-user-e2e";
const MARKER = "remote-user-logs-marker-5c1e";
/** `systemctl` of the e2e user's manager, as hoist reaches it. */
const USER_CTL = ["systemctl", "--user", `--machine=${E2E_USER}@`];

/** This file's container of `service` (other e2e files run services named web too). */
const ours = (service: string) => (c: Container) =>
  c.labels["gitops-service"] === service &&
  c.labels["PODMAN_SYSTEMD_UNIT"] === `${PREFIX}${service}.service`;

/** Stops and removes what an earlier, interrupted run left in the e2e user's folder and root's. */
async function cleanUp(): Promise<void> {
  const ctl = USER_CTL.join(" ");
  await inside("system", [
    "sh",
    "-c",
    `cd "${quadletDir("user")}" || exit 0
${ctl} stop '${PREFIX}*'; ${ctl} reset-failed '${PREFIX}*'
rm -rf ./${PREFIX}*; ${ctl} daemon-reload`,
  ]);
  await sweep("system", PREFIX);
}

async function userState(unit: string): Promise<string> {
  return (await insideOk("system", [...USER_CTL, "show", "-p", "ActiveState", "--value", unit]))
    .trim();
}

Deno.test({
  name:
    "e2e remote user: ps, logs, restart, stop and start of a service of account e2e act in e2e's podman, journal and manager",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    await cleanUp();
    const keys = await Deno.makeTempDir({ prefix: "hoist-e2e-remote-user-" });
    const alice = await makeKey(keys, "alice");
    const repo = await Repo.create("system", {
      [`${G}/config.yml`]: `services:\n  web:\n    user: ${E2E_USER}\n  other: {}\n`,
      [`${G}/web/manifest.yml`]: servingManifest(
        WEB,
        "web-for-e2e",
        `/bin/sh -c "echo ${MARKER}; exec /bin/serve"`,
      ),
      [`${G}/web/ssh/alice.pub`]: `${alice.pub}\n`,
      [`${G}/other/manifest.yml`]: servingManifest(OTHER, "other-rootful"),
    });
    const config = `${repo.dir}/config.toml`;
    await Deno.writeTextFile(
      config,
      repo.configText(HOST, PREFIX, `${repo.dir}/state`) +
        `\n[serve]\nlisten = "127.0.0.1:${SERVE}"\ninterval = "0"\n`,
    );
    const cli = (args: string[]) =>
      inside("system", ["/usr/local/bin/hoist", "--config", config, ...args]);
    const unit = `${PREFIX}web.service`;
    try {
      const journal = await startServe(UNIT, config, SERVE);
      assert.equal(await http(WEB, 300), "web-for-e2e");
      assert.equal(await http(OTHER, 300), "other-rootful");
      const target = `127.0.0.1:${SERVE}`;
      const webBefore = (await containers("user")).find(ours("web"));
      const otherBefore = (await containers("system")).find(ours("other"));
      assert.ok(webBefore && otherBefore, "web runs in e2e's storage, other in root's");
      assert.equal((await containers("system")).find(ours("web")), undefined);

      // ps: web's container, from e2e's podman
      const ps = await remote([target, "web", "ps", "-i", alice.path]);
      assert.equal(ps.code, 0, ps.err);
      assert.match(
        ps.out,
        new RegExp(
          `^${webBefore.name}\\s+${IMAGE}\\s+running\\s+-\\s+\\S+\\s+127\\.0\\.0\\.1:${WEB}->8080/tcp$`,
          "m",
        ),
        ps.out,
      );

      // logs: what web's container printed, from e2e's units' journal
      const logs = await until("web's output in the journal", async () => {
        const r = await remote([target, "web", "logs", "--tail", "50", "-i", alice.path]);
        return r.code === 0 && r.out.includes(MARKER) ? r : undefined;
      }, journal);
      assert.equal(logs.code, 0);

      // restart: a new container in e2e's storage, root's service untouched
      const restart = await remote([`${target}:web//restart`, "-i", alice.path]);
      assert.equal(restart.code, 0, restart.err);
      const webAfter = (await containers("user")).find(ours("web"));
      assert.ok(webAfter && webAfter.id !== webBefore.id, "web has a new container in e2e's");
      assert.equal(webAfter.state, "running");
      assert.equal((await containers("system")).find(ours("other"))?.id, otherBefore.id);
      assert.equal(await http(WEB), "web-for-e2e");

      // stop: down in e2e's manager, and left down by a no-op apply
      const stopped = await remote([target, "web", "stop", "-i", alice.path]);
      assert.equal(stopped.code, 0, stopped.err);
      assert.equal(await userState(unit), "inactive");
      const noop = await cli(["apply"]);
      assert.equal(noop.code, 0, noop.stdout + noop.stderr);
      assert.equal(await userState(unit), "inactive", "a no-op apply leaves web stopped");
      const planned = await cli(["plan"]);
      assert.match(
        planned.stdout + planned.stderr,
        /web: stopped by SHA256:\S+ \(alice\S*\) at \S+; left stopped/,
      );

      // start: back in e2e's manager; the next plan starts nothing and says no stop
      const started = await remote([target, "web", "start", "-i", alice.path]);
      assert.equal(started.code, 0, started.err);
      assert.equal(await userState(unit), "active");
      assert.equal(await http(WEB, 300), "web-for-e2e");
      const again = await cli(["plan"]);
      assert.doesNotMatch(again.stdout + again.stderr, /stopped by/);
    } finally {
      await inside("system", ["systemctl", "stop", UNIT]);
      await repo.write({ [`${G}/config.yml`]: "services: {}\n" });
      await repo.commit("remove all");
      await cli(["apply", "--quiet"]);
      await cleanUp();
      await repo.remove();
      await Deno.remove(keys, { recursive: true });
    }
  },
});
