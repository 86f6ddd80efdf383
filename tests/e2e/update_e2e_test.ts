/**
 * 11. `hoist update SERVICE` against a real private registry (Debian's docker-registry with
 * htpasswd auth, on the host's loopback, which the namespace shares), with hoist's credentials from
 * `[[registries]]` (podman itself is not logged in): a new image pushed under the same tag is
 * pulled and the service restarted on it; unchanged, nothing restarts; when the registry refuses
 * the password, the service keeps running its image and the password is in no output. Then pull
 * before stop: a commit naming a tag only the registry has is pulled before web is touched; the
 * registry refusing it fails the apply and web keeps serving; with the password back, the same
 * commit pulls and restarts. Rootful.
 * Ports 19100–19199.
 */
import assert from "node:assert/strict";
import { signBody, webhookSecret } from "../../lib/server/webhook_auth.ts";
import { registryMissing, startRegistry, type TestRegistry } from "../support/registry.ts";
import {
  containers,
  E2E_USER,
  e2eGate,
  hoist,
  http,
  IMAGE,
  inside,
  insideOk,
  prepare,
  Repo,
  startServe,
  sweep,
  until,
} from "./harness.ts";

const { ignore: noHarness, why } = await e2eGate();
const missing = registryMissing();
if (!noHarness && missing !== undefined && why === undefined) {
  if (Deno.env.get("HOIST_E2E") === "required") {
    throw new Error(`HOIST_E2E=required but ${missing}`);
  }
  console.log(`e2e tests skipped: ${missing}`);
}
const ignore = noHarness || missing !== undefined;

const PREFIX = "upd-";
const PORT = 19101;
const CONF = "/etc/containers/registries.conf.d/hoist-e2e-update.conf";
const KEEP = "localhost/hoist-e2e-update:v1";

async function podman(...args: string[]): Promise<string> {
  return (await insideOk("system", ["podman", ...args])).trim();
}

/** Builds an image whose page says `message`, tags it as `ref` and pushes it; returns its id. */
async function pushVersion(ref: string, message: string, creds: string): Promise<string> {
  const name = `upd-build-${crypto.randomUUID().slice(0, 8)}`;
  await podman("run", "--name", name, IMAGE, "sh", "-c", `echo ${message} > /version`);
  await podman("commit", "--quiet", name, ref);
  await podman("rm", name);
  await podman("push", "--quiet", "--creds", creds, ref);
  return (await podman("image", "inspect", "--format", "{{.Id}}", ref)).replace(/^sha256:/, "");
}

function manifest(image: string, message = "update", port = PORT): string {
  return `Container:\n  Image: ${image}\n  Exec: sh -c "httpd -f -p 8080 -h /www"\n` +
    `  Environment: [PORT=8080, MESSAGE=${message}]\n  PublishPort: 127.0.0.1:${port}:8080\n`;
}

Deno.test({
  name: "e2e 11. hoist update pulls a new image from a private registry and restarts only then",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    await sweep("system", PREFIX);
    const dir = await Deno.makeTempDir({ prefix: "hoist-e2e-registry-" });
    let registry: TestRegistry | undefined;
    let repo: Repo | undefined;
    try {
      registry = await startRegistry(dir);
      const ref = `${registry.host}/hoist-e2e/web:latest`;
      await insideOk("system", [
        "sh",
        "-c",
        'mkdir -p "$(dirname "$1")" && printf "[[registry]]\\nlocation = \\"%s\\"\\ninsecure = true\\n" "$2" > "$1"',
        "conf",
        CONF,
        registry.host,
      ]);
      // the test pushes with its own credentials; hoist pulls only with [[registries]]'s
      const creds = `${registry.user}:${registry.password}`;
      const passwordFile = `${dir}/registry.password`;
      await Deno.writeTextFile(passwordFile, `${registry.password}\n`, { mode: 0o600 });
      const v1 = await pushVersion(ref, "v1", creds);
      await podman("tag", ref, KEEP); // a second name, to point the tag back at v1 later
      repo = await Repo.create("system", {
        "gitops/updhost/config.yml": "services:\n  web: {}\n",
        "gitops/updhost/web/manifest.yml": manifest(ref),
      });
      const config = await repo.config("updhost", PREFIX);
      await Deno.writeTextFile(
        config,
        `\n[[registries]]\nhost = "${registry.host}"\nusername = "${registry.user}"\npassword_file = "${passwordFile}"\n`,
        { append: true },
      );
      const applied = await hoist("system", ["apply", "--quiet", "--config", config]);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      await http(PORT);
      // other e2e files run rootful services named web at the same time: find this test's unit
      const web = async () =>
        (await containers("system")).find((c) =>
          c.labels["PODMAN_SYSTEMD_UNIT"] === `${PREFIX}web.service`
        );
      const first = await web();
      assert.ok(first);
      const runningImage = async () =>
        (await podman("inspect", "--format", "{{.Image}}", (await web())!.id)).replace(
          /^sha256:/,
          "",
        );
      assert.equal(await runningImage(), v1);

      // unchanged: nothing restarts
      const same = await hoist("system", ["update", "web", "--config", config]);
      assert.equal(same.code, 0, same.stderr + same.stdout);
      assert.match(same.stdout, /^web: .* unchanged; nothing to restart$/m);
      assert.equal((await web())?.id, first.id);

      // a new image under the same tag, pushed from "elsewhere": the local tag still names v1
      const v2 = await pushVersion(ref, "v2", creds);
      await podman("tag", KEEP, ref);
      // a dry run asks the registry (no pull), records it, and plan shows it
      const checked = await hoist("system", ["update", "--dry-run", "--config", config]);
      assert.equal(checked.code, 0, checked.stderr + checked.stdout);
      assert.match(
        checked.stdout,
        /^web: \S+ update available \(sha256:[0-9a-f]{12}… → sha256:[0-9a-f]{12}…\); nothing pulled \(dry run\)$/m,
      );
      assert.equal((await web())?.id, first.id);
      const planned = await hoist("system", ["plan", "--config", config]);
      assert.match(
        planned.stdout + planned.stderr,
        /web: image update available: \S+hoist-e2e\/web:latest \(sha256:/,
      );
      const updated = await hoist("system", ["update", "web", "--config", config]);
      assert.equal(updated.code, 0, updated.stderr + updated.stdout);
      assert.match(
        updated.stdout,
        new RegExp(`^web: .* ${v1.slice(0, 12)} → ${v2.slice(0, 12)}; restarted$`, "m"),
      );
      await http(PORT);
      const second = await web();
      assert.notEqual(second?.id, first.id, "a new container");
      assert.equal(await runningImage(), v2);
      assert.equal(second?.state, "running");

      // the registry refuses hoist's (now wrong) password: the service keeps running its image
      await Deno.writeTextFile(passwordFile, "wrong-password\n", { mode: 0o600 });
      const refused = await hoist("system", ["update", "web", "--config", config]);
      assert.equal(refused.code, 1, refused.stderr + refused.stdout);
      assert.match(
        refused.stdout,
        /cannot check .*401 unauthorized.*; not updated, still running its current image$/m,
      );
      for (const out of [applied, same, checked, planned, updated, refused]) {
        assert.ok(!`${out.stdout}${out.stderr}`.includes(registry.password), "the password leaked");
        assert.ok(!`${out.stdout}${out.stderr}`.includes("wrong-password"), "the password leaked");
      }
      assert.equal((await web())?.id, second?.id);
      assert.equal((await web())?.state, "running");

      // pull before stop: a commit switching web to a tag only the registry has, which refuses
      // hoist's password: apply fails naming the pull and web keeps serving from its container
      const v3 = `${registry.host}/hoist-e2e/web:v3`;
      await pushVersion(v3, "v3", creds);
      const v3Id = (await podman("image", "inspect", "--format", "{{.Id}}", v3)).replace(
        /^sha256:/,
        "",
      );
      await podman("untag", v3, v3); // only the registry has it now
      const page = await http(PORT);
      await repo.write({ "gitops/updhost/web/manifest.yml": manifest(v3) });
      await repo.commit("web: v3");
      const blocked = await hoist("system", ["apply", "--config", config]);
      assert.equal(blocked.code, 1, blocked.stderr + blocked.stdout);
      assert.match(
        blocked.stdout + blocked.stderr,
        new RegExp(
          `pull .*${v3.replace(/[.]/g, "\\.")}.*(unauthorized|authentication required)`,
          "i",
        ),
      );
      assert.equal((await web())?.id, second?.id, "web was not stopped");
      assert.equal((await web())?.state, "running");
      assert.equal(await http(PORT), page);

      // with the right password the same commit pulls v3 first, then restarts web on it
      await Deno.writeTextFile(passwordFile, `${registry.password}\n`, { mode: 0o600 });
      const pulled = await hoist("system", ["apply", "--config", config]);
      assert.equal(pulled.code, 0, pulled.stderr + pulled.stdout);
      assert.match(pulled.stdout, /pull 1 image \(web\)/);
      await http(PORT);
      assert.notEqual((await web())?.id, second?.id);
      assert.equal(await runningImage(), v3Id);

      // seed 001's POST /redeploy-and-update/web to hoist serve: a new image under the same tag
      // is pulled and web restarted on it
      const v4 = await pushVersion(v3, "v4", creds);
      await podman("tag", v3Id, v3); // the local tag names the running image again
      const served = await redeployThroughServe(config, dir);
      assert.deepEqual(
        served.updates,
        [{ service: "web", restarted: true }],
        JSON.stringify(served),
      );
      assert.equal(await runningImage(), v4);

      // [images] prune after the next deploy that passed its gate: v2 (hoist pulled it, no unit
      // names it, older than web's previous image v3) goes; v3 and v4 stay, and v1, which hoist
      // never pulled, stays too
      await repo.write({ "gitops/updhost/web/manifest.yml": manifest(v3, "pruned") });
      await repo.commit("web: another message");
      const pruned = await hoist("system", ["apply", "--quiet", "--config", config]);
      assert.equal(pruned.code, 0, pruned.stderr + pruned.stdout);
      const exists = async (id: string) =>
        (await inside("system", ["podman", "image", "exists", id])).code === 0;
      assert.equal(await exists(v2), false, "v2 was pruned");
      for (const id of [v1, v3Id, v4]) assert.equal(await exists(id), true, `${id} kept`);
      for (const out of [blocked, pulled]) {
        assert.ok(!`${out.stdout}${out.stderr}`.includes(registry.password), "the password leaked");
        assert.ok(!`${out.stdout}${out.stderr}`.includes("wrong-password"), "the password leaked");
      }
    } finally {
      if (repo !== undefined) {
        await repo.write({ "gitops/updhost/config.yml": "services: {}\n" });
        await repo.commit("remove all");
        await hoist("system", ["apply", "--quiet", "--config", `${repo.dir}/config.toml`]);
        await repo.remove();
      }
      await sweep("system", PREFIX);
      if (registry !== undefined) {
        await inside("system", [
          "sh",
          "-c",
          `podman images --format '{{.Repository}}:{{.Tag}}' | grep -e '^${registry.host}/' -e '^${KEEP}$' | xargs -r podman rmi --force`,
        ]);
        await registry.stop();
      }
      await inside("system", ["rm", "-f", CONF]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "e2e 11 (rootless). pull before start, hoist update and a refused password, as the e2e user",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    await sweep("user", PREFIX);
    const dir = await Deno.makeTempDir({ prefix: "hoist-e2e-registry-user-" });
    const conf = "/etc/containers/registries.conf.d/hoist-e2e-update-user.conf";
    const port = 19103;
    let registry: TestRegistry | undefined;
    let repo: Repo | undefined;
    try {
      registry = await startRegistry(dir);
      const ref = `${registry.host}/hoist-e2e/userweb:latest`;
      await insideOk("system", [
        "sh",
        "-c",
        'mkdir -p "$(dirname "$1")" && printf "[[registry]]\\nlocation = \\"%s\\"\\ninsecure = true\\n" "$2" > "$1"',
        "conf",
        conf,
        registry.host,
      ]);
      const creds = `${registry.user}:${registry.password}`;
      // built and pushed by root: the e2e user's storage has none of it, so apply must pull first
      const v1 = await pushVersion(ref, "v1", creds);
      repo = await Repo.create("user", {
        "gitops/updhost/config.yml": "services:\n  web: {}\n",
        "gitops/updhost/web/manifest.yml": manifest(ref, "update", port),
      });
      const config = await repo.config("updhost", PREFIX);
      const passwordFile = `${repo.dir}/registry.password`;
      await Deno.writeTextFile(passwordFile, `${registry.password}\n`, { mode: 0o600 });
      await Deno.writeTextFile(
        config,
        `\n[[registries]]\nhost = "${registry.host}"\nusername = "${registry.user}"\npassword_file = "${passwordFile}"\n`,
        { append: true },
      );
      await insideOk("system", ["chown", E2E_USER, passwordFile, config]);
      const userPodman = async (...args: string[]) =>
        (await insideOk("user", ["podman", ...args])).trim();
      const web = async () =>
        (await containers("user")).find((c) =>
          c.labels["PODMAN_SYSTEMD_UNIT"] === `${PREFIX}web.service`
        );
      const runningImage = async () =>
        (await userPodman("inspect", "--format", "{{.Image}}", (await web())!.id)).replace(
          /^sha256:/,
          "",
        );

      const applied = await hoist("user", ["apply", "--config", config]);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.match(applied.stdout, /pull 1 image \(web\)/);
      await http(port);
      assert.equal(await runningImage(), v1);
      const first = await web();

      await pushVersion(ref, "v2", creds);
      const checked = await hoist("user", ["update", "--dry-run", "--config", config]);
      assert.equal(checked.code, 0, checked.stderr + checked.stdout);
      assert.match(checked.stdout, /^web: \S+ update available .*nothing pulled \(dry run\)$/m);
      assert.equal((await web())?.id, first?.id);
      const updated = await hoist("user", ["update", "web", "--config", config]);
      assert.equal(updated.code, 0, updated.stderr + updated.stdout);
      assert.match(updated.stdout, /; restarted$/m);
      await http(port);
      assert.notEqual(await runningImage(), v1);
      const second = await web();

      await Deno.writeTextFile(passwordFile, "wrong-password\n", { mode: 0o600 });
      await pushVersion(ref, "v3", creds);
      const refused = await hoist("user", ["update", "web", "--config", config]);
      assert.equal(refused.code, 1, refused.stderr + refused.stdout);
      assert.match(
        refused.stdout,
        /401 unauthorized.*; not updated, still running its current image$/m,
      );
      assert.equal((await web())?.id, second?.id);
      for (const out of [applied, checked, updated, refused]) {
        assert.ok(!`${out.stdout}${out.stderr}`.includes(registry.password), "the password leaked");
        assert.ok(!`${out.stdout}${out.stderr}`.includes("wrong-password"), "the password leaked");
      }
    } finally {
      if (repo !== undefined) {
        await repo.write({ "gitops/updhost/config.yml": "services: {}\n" });
        await repo.commit("remove all");
        await hoist("user", ["apply", "--quiet", "--config", `${repo.dir}/config.toml`]);
        await repo.remove();
      }
      await sweep("user", PREFIX);
      if (registry !== undefined) {
        for (const who of ["user", "system"] as const) {
          await inside(who, [
            "sh",
            "-c",
            `podman images --format '{{.Repository}}:{{.Tag}}' | grep -e '^${registry.host}/' | xargs -r podman rmi --force`,
          ]);
        }
        await registry.stop();
      }
      await inside("system", ["rm", "-f", conf]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * Runs `hoist serve` (webhooks only) inside the namespace with `config` plus a [serve] table, as a
 * transient system unit, posts seed 001's signed `/redeploy-and-update/web` and returns the run's
 * summary once it is done; the unit is stopped after. (This step hung when serve ran as a child
 * of `in-systemd` with its stderr piped: SIGTERM ends nsenter, not hoist serve, which kept the
 * pipe open; unread, the pipe also filled once serve logged the health gate's lines.)
 */
async function redeployThroughServe(config: string, dir: string): Promise<{ updates?: unknown }> {
  const port = 19102;
  const unit = `upd-serve-${crypto.randomUUID().slice(0, 8)}`;
  const serveConfig = `${dir}/serve.toml`;
  await Deno.writeTextFile(`${dir}/webhook.secret`, "e2e-redeploy-secret\n", { mode: 0o600 });
  await Deno.writeTextFile(
    serveConfig,
    `${await Deno.readTextFile(config)}\n[serve]\nlisten = "127.0.0.1:${port}"\ninterval = "0"\n` +
      `webhook_secret_file = "${dir}/webhook.secret"\n`,
  );
  const url = `http://127.0.0.1:${port}`;
  const ask = async (path: string, init?: RequestInit) => {
    const r = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
    return await r.json() as Record<string, unknown>;
  };
  try {
    const journal = await startServe(unit, serveConfig, port);
    const body = new TextEncoder().encode('{"action":"published"}');
    const secret = await webhookSecret(new TextEncoder().encode("e2e-redeploy-secret"));
    const posted = await ask("/redeploy-and-update/web", {
      method: "POST",
      body,
      headers: {
        "x-hub-signature-256": `sha256=${await signBody(secret, body)}`,
        "x-github-event": "package",
        "content-type": "application/json",
      },
    });
    assert.equal(posted.status, "queued", JSON.stringify(posted));
    const run = await until("the redeploy run", async () => {
      const r = await ask(`/runs/${posted.run}`);
      return r.state === "done" ? r : undefined;
    }, journal);
    return run.summary as { updates?: unknown };
  } finally {
    await inside("system", ["systemctl", "stop", unit]);
    await inside("system", ["systemctl", "reset-failed", unit]);
  }
}
