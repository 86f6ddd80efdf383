/**
 * What observe asks of the host, against real systemd 257 + podman 5.4 (tests/e2e/setup.sh),
 * rootful: a no-op runs one `systemctl list-units` (no `show`) and no object listings; a run that
 * writes lists podman's objects, and a unit whose ContainerName= a container hoist did not create
 * already has is not written (quadlet's --replace would remove that container): its service is
 * blocked with an error naming the container, the other services deploy, the container keeps
 * running. Prefix `sp-`, ports 19200–19299 (issues 9 and 10).
 */
import assert from "node:assert/strict";
import {
  containers,
  e2eGate,
  hoist,
  http,
  IMAGE,
  inside,
  insideOk,
  quadletDir,
  Repo,
  spawned,
  sweep,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const HOST = "sphost";
const G = `gitops/${HOST}`;
const PREFIX = "sp-";
const BASE = 19200;
const WHO = "system" as const;
const FOREIGN = "sp-foreign-web";

/** A busybox httpd service on 127.0.0.1:`port` answering `message`. */
function manifest(port: number, message: string, containerName?: string): string {
  return [
    "Container:",
    `  Image: ${IMAGE}`,
    `  Environment: [PORT=8080, MESSAGE=${message}]`,
    `  PublishPort: 127.0.0.1:${port}:8080`,
    ...(containerName === undefined ? [] : [`  ContainerName: ${containerName}`]),
    "",
  ].join("\n");
}

async function apply(config: string, expectCode = 0): Promise<string> {
  const r = await hoist(WHO, ["apply", "--config", config]);
  assert.equal(r.code, expectCode, `hoist apply exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

async function containerId(name: string): Promise<string | undefined> {
  return (await containers(WHO)).find((c) => c.name === name)?.id;
}

async function scenario(t: Deno.TestContext): Promise<void> {
  await sweep(WHO, PREFIX);
  await inside(WHO, ["podman", "rm", "-f", FOREIGN]);
  const repo = await Repo.create(WHO, {
    [`${G}/config.yml`]: "services:\n  ok: {}\n  web: {}\n",
    [`${G}/ok/manifest.yml`]: manifest(BASE + 2, "ok-v1"),
    [`${G}/web/manifest.yml`]: manifest(BASE + 3, "web-v1", FOREIGN),
  });
  const config = await repo.config(HOST, PREFIX);
  try {
    await t.step(
      "a unit named like a container hoist did not create is not written; its service is blocked",
      async () => {
        await insideOk(WHO, [
          "podman",
          "run",
          "-d",
          "--name",
          FOREIGN,
          "-e",
          "PORT=8080",
          "-e",
          "MESSAGE=foreign",
          "-p",
          `127.0.0.1:${BASE + 1}:8080`,
          IMAGE,
        ]);
        const before = await containerId(FOREIGN);
        assert.ok(before !== undefined);
        assert.equal(await http(BASE + 1), "foreign");
        const out = await apply(config, 1);
        assert.match(
          out,
          new RegExp(
            `container ${FOREIGN} already exists and hoist did not create it for web: quadlet would remove it`,
          ),
        );
        assert.match(out, /ContainerName=/, "the hint names the key to change");
        assert.doesNotMatch(out, /Uncaught|at file:/);
        assert.equal(await containerId(FOREIGN), before, "the foreign container was not replaced");
        assert.equal(await http(BASE + 1), "foreign");
        assert.equal(await http(BASE + 2), "ok-v1", "the other service deployed");
        const written = await inside(WHO, ["test", "-e", `${quadletDir(WHO)}/sp-web.container`]);
        assert.equal(written.code, 1, "web's unit was not written");
      },
    );

    await t.step("renamed, web deploys next to the foreign container", async () => {
      await repo.write({ [`${G}/web/manifest.yml`]: manifest(BASE + 3, "web-v1", "sp-web") });
      await repo.commit("web: a container name of its own");
      await apply(config);
      assert.equal(await http(BASE + 3), "web-v1");
      assert.equal(await http(BASE + 1), "foreign");
    });

    await t.step(
      "a no-op asks systemd with list-units only, lists no podman objects, reads no tree",
      async () => {
        const plan = () =>
          hoist(WHO, ["plan", "--detailed-exitcode", "--verbose", "--config", config]);
        const r = await plan();
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /No changes\./);
        // the desired state of this commit comes from state_dir/desired-cache.json: no git archive
        assert.deepEqual(
          spawned(r.stderr).sort(),
          ["git fetch", "podman ps", "systemctl list-units"],
          r.stderr,
        );
        // without a readable cache the tree is read again, and the plan is the same
        const cache = `${repo.dir}/state/desired-cache.json`;
        await Deno.writeTextFile(cache, "{ not json");
        const again = await plan();
        assert.equal(again.code, 0, again.stdout + again.stderr);
        assert.match(again.stdout, /No changes\./);
        assert.ok(spawned(again.stderr).includes("git archive"), again.stderr);
        assert.equal((await Deno.stat(cache)).mode! & 0o777, 0o600);
        const third = await plan();
        assert.equal(spawned(third.stderr).includes("git archive"), false, third.stderr);
      },
    );

    await t.step(
      "a stopped unit: show is asked exactly when list-units does not list it; started, no reload",
      async () => {
        await insideOk(WHO, ["systemctl", "stop", "sp-ok.service"]);
        const listing = await insideOk(WHO, [
          "systemctl",
          "list-units",
          "--all",
          "--plain",
          "--no-legend",
          "--",
          "sp-ok.service",
        ]);
        const listed = listing.trim() !== "";
        const p = await hoist(WHO, ["plan", "--verbose", "--config", config]);
        assert.equal(p.code, 0, p.stdout + p.stderr);
        assert.match(
          p.stdout,
          /start sp-ok\.service \(ok\): not running \(sp-ok\.service inactive\)/,
        );
        assert.equal(spawned(p.stderr).includes("systemctl show"), !listed, p.stderr);
        const out = await apply(config);
        assert.doesNotMatch(out, /daemon-reload/, "a stopped unit needs no reload");
        assert.equal(await http(BASE + 2), "ok-v1");
      },
    );
  } finally {
    await repo.write({ [`${G}/config.yml`]: "services: {}\n" });
    await repo.commit("remove all");
    await hoist(WHO, ["apply", "--config", config]);
    await inside(WHO, ["podman", "rm", "-f", FOREIGN]);
    await sweep(WHO, PREFIX);
    await repo.remove();
  }
}

Deno.test({
  name: "e2e speed (rootful): list-units on a no-op, foreign podman objects are not taken",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await scenario(t);
  },
});
