/**
 * 10. `quadlets/hoist-serve.service` in the real system manager (rootful, with its hardening):
 * it deploys at start, and a signed `POST /deploy-all-changed` (seed 001's request) deploys the
 * next signed commit. Ports 18700–18799.
 */
import assert from "node:assert/strict";
import { signBody, webhookSecret } from "../../lib/server/webhook_auth.ts";
import {
  E2E_OPT,
  e2eGate,
  http,
  IMAGE,
  inside,
  insideOk,
  prepare,
  Repo,
  ROOT,
  sweep,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const PREFIX = "srv-";
const WEB = 18701;
const SERVE = 18702;
const CONFIG = "/etc/hoist/e2e-serve.toml";
const SECRET_FILE = "/etc/hoist/e2e-serve.secret";
const STATE = "/var/lib/hoist-e2e-serve";
const UNIT = "/etc/systemd/system/hoist-serve.service";
const SECRET = "e2e-webhook-secret";

async function put(path: string, content: string): Promise<void> {
  await insideOk(
    "system",
    ["sh", "-c", 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 600 "$1"', "put", path],
    content,
  );
}

function manifest(message: string): string {
  return `Container:\n  Image: ${IMAGE}\n  Environment: [PORT=8080, MESSAGE=${message}]\n` +
    `  PublishPort: 127.0.0.1:${WEB}:8080\n`;
}

async function json(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`http://127.0.0.1:${SERVE}${path}`, {
    ...init,
    signal: AbortSignal.timeout(5000),
  });
  return { status: r.status, body: await r.json() as Record<string, unknown> };
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  journal: () => Promise<string>,
): Promise<T> {
  for (let i = 0; i < 240; i++) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}; journal:\n${await journal()}`);
}

Deno.test({
  name:
    "e2e 10. hoist-serve.service deploys at start, and a signed /deploy-all-changed deploys the next commit",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    await sweep("system", PREFIX);
    // hoist-serve.service has PrivateTmp=yes: keep the repository out of /tmp
    const repo = await Repo.create("system", {
      "gitops/servehost/config.yml": "services:\n  echo: {}\n",
      "gitops/servehost/echo/manifest.yml": manifest("serve-v1"),
    }, `${E2E_OPT}/repos`);
    const journal = async () =>
      (await inside("system", [
        "journalctl",
        "-u",
        "hoist-serve.service",
        "--no-pager",
        "-n",
        "40",
      ]))
        .stdout;
    try {
      await put(SECRET_FILE, `${SECRET}\n`);
      await put(
        CONFIG,
        repo.configText("servehost", PREFIX, STATE) +
          `\n[serve]\nlisten = "127.0.0.1:${SERVE}"\ninterval = "0"\nwebhook_secret_file = "${SECRET_FILE}"\n`,
      );
      await put(UNIT, await Deno.readTextFile(`${ROOT}/quadlets/hoist-serve.service`));
      // the shipped unit, pointed at this test's config (the timer test owns /etc/hoist/config.toml)
      await put(
        `${UNIT}.d/e2e.conf`,
        `[Service]\nExecStart=\nExecStart=/usr/local/bin/hoist --config ${CONFIG} serve\n`,
      );
      await insideOk("system", ["systemctl", "daemon-reload"]);
      await insideOk("system", ["systemctl", "start", "hoist-serve.service"]);
      const started = await until("the start run", async () => {
        const h = await json("/health");
        return h.body.lastRun === null ? undefined : h.body;
      }, journal);
      assert.equal(
        (started.lastRun as { result: string }).result,
        "changed",
        JSON.stringify(started),
      );
      assert.equal(await http(WEB), "serve-v1");

      await repo.write({ "gitops/servehost/echo/manifest.yml": manifest("serve-v2") });
      await repo.commit("v2");
      const secret = await webhookSecret(new TextEncoder().encode(SECRET));
      const body = new Uint8Array();
      const posted = await json("/deploy-all-changed", {
        method: "POST",
        body,
        headers: { "x-hub-signature-256": `sha256=${await signBody(secret, body)}` },
      });
      assert.equal(posted.status, 202, JSON.stringify(posted.body));
      const run = await until("the webhook's run", async () => {
        const r = await json(`/runs/${posted.body.run}`);
        return r.body.state === "done" ? r.body : undefined;
      }, journal);
      assert.equal((run.summary as { result: string }).result, "changed", JSON.stringify(run));
      assert.equal(await http(WEB), "serve-v2");
      const unsigned = await json("/deploy-all-changed", { method: "POST", body: "" });
      assert.equal(unsigned.status, 401);
    } finally {
      await inside("system", ["systemctl", "stop", "hoist-serve.service"]);
      await inside("system", ["rm", "-rf", UNIT, `${UNIT}.d`]);
      await inside("system", ["systemctl", "daemon-reload"]);
      // let hoist remove what it deployed, then sweep whatever an interrupted run left
      await repo.write({ "gitops/servehost/config.yml": "services: {}\n" });
      await repo.commit("remove all");
      await inside("system", ["/usr/local/bin/hoist", "--config", CONFIG, "apply", "--quiet"]);
      await sweep("system", PREFIX);
      await inside("system", ["rm", "-rf", CONFIG, SECRET_FILE, STATE]);
      await repo.remove();
    }
  },
});
