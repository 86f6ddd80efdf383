/**
 * 10. `quadlets/hoist-serve.service` in the real system manager (rootful, with its hardening) and
 * `quadlets/hoist-serve-user.service` in the user manager: each deploys at start, a signed
 * `POST /deploy-all-changed` (seed 001's request) deploys the next signed commit, and SIGTERM
 * stops it cleanly. Ports 18700–18799.
 */
import assert from "node:assert/strict";
import { signBody, webhookSecret } from "../../lib/server/webhook_auth.ts";
import {
  E2E_OPT,
  E2E_USER,
  e2eGate,
  http,
  IMAGE,
  inside,
  insideOk,
  prepare,
  Repo,
  ROOT,
  sweep,
  unitProperty,
  until,
  type Who,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const PREFIX = "srv-";
const SECRET = "e2e-webhook-secret";

/** Per manager: ports, this test's config, secret, state and the unit (the shipped one for each). */
const PLACES: Record<Who, {
  web: number;
  serve: number;
  config: string;
  secret: string;
  state: string;
  unit: string;
  shipped: string;
}> = {
  system: {
    web: 18701,
    serve: 18702,
    config: "/etc/hoist/e2e-serve.toml",
    secret: "/etc/hoist/e2e-serve.secret",
    state: "/var/lib/hoist-e2e-serve",
    unit: "/etc/systemd/system/hoist-serve.service",
    shipped: "quadlets/hoist-serve.service",
  },
  user: {
    web: 18703,
    serve: 18704,
    config: `/home/${E2E_USER}/.config/hoist/e2e-serve.toml`,
    secret: `/home/${E2E_USER}/.config/hoist/e2e-serve.secret`,
    state: `/home/${E2E_USER}/.local/state/hoist-e2e-serve`,
    unit: `/home/${E2E_USER}/.config/systemd/user/hoist-serve.service`,
    shipped: "quadlets/hoist-serve-user.service",
  },
};

async function put(who: Who, path: string, content: string): Promise<void> {
  await insideOk(
    who,
    ["sh", "-c", 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 600 "$1"', "put", path],
    content,
  );
}

function manifest(message: string, port: number): string {
  return `Container:\n  Image: ${IMAGE}\n  Environment: [PORT=8080, MESSAGE=${message}]\n` +
    `  PublishPort: 127.0.0.1:${port}:8080\n`;
}

async function json(
  port: number,
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    ...init,
    signal: AbortSignal.timeout(5000),
  });
  return { status: r.status, body: await r.json() as Record<string, unknown> };
}

async function serveRun(who: Who): Promise<void> {
  const p = PLACES[who];
  const user = who === "user" ? ["--user"] : [];
  await prepare();
  await sweep(who, PREFIX);
  // hoist-serve.service has PrivateTmp=yes: keep the repository out of /tmp
  const repo = await Repo.create(who, {
    "gitops/servehost/config.yml": "services:\n  echo: {}\n",
    "gitops/servehost/echo/manifest.yml": manifest(`serve-${who}-v1`, p.web),
  }, `${E2E_OPT}/repos`);
  const journal = async () =>
    (await inside(who, [
      "journalctl",
      ...user,
      "-u",
      "hoist-serve.service",
      "--no-pager",
      "-n",
      "40",
    ]))
      .stdout;
  try {
    await put(who, p.secret, `${SECRET}\n`);
    await put(
      who,
      p.config,
      repo.configText("servehost", PREFIX, p.state) +
        `\n[serve]\nlisten = "127.0.0.1:${p.serve}"\ninterval = "0"\nwebhook_secret_file = "${p.secret}"\n`,
    );
    await put(who, p.unit, await Deno.readTextFile(`${ROOT}/${p.shipped}`));
    // the shipped unit, pointed at this test's config (the timer test owns the default one)
    await put(
      who,
      `${p.unit}.d/e2e.conf`,
      `[Service]\nExecStart=\nExecStart=/usr/local/bin/hoist --config ${p.config} serve\n`,
    );
    await insideOk(who, ["systemctl", ...user, "daemon-reload"]);
    await insideOk(who, ["systemctl", ...user, "start", "hoist-serve.service"]);
    const started = await until("the start run", async () => {
      const h = await json(p.serve, "/health");
      return h.body.lastRun === null ? undefined : h.body;
    }, journal);
    assert.equal(
      (started.lastRun as { result: string }).result,
      "changed",
      JSON.stringify(started),
    );
    assert.equal(await http(p.web), `serve-${who}-v1`);

    await repo.write({ "gitops/servehost/echo/manifest.yml": manifest(`serve-${who}-v2`, p.web) });
    await repo.commit("v2");
    const secret = await webhookSecret(new TextEncoder().encode(SECRET));
    const body = new Uint8Array();
    const posted = await json(p.serve, "/deploy-all-changed", {
      method: "POST",
      body,
      headers: { "x-hub-signature-256": `sha256=${await signBody(secret, body)}` },
    });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const run = await until("the webhook's run", async () => {
      const r = await json(p.serve, `/runs/${posted.body.run}`);
      return r.body.state === "done" ? r.body : undefined;
    }, journal);
    assert.equal((run.summary as { result: string }).result, "changed", JSON.stringify(run));
    assert.equal(await http(p.web), `serve-${who}-v2`);
    const unsigned = await json(p.serve, "/deploy-all-changed", { method: "POST", body: "" });
    assert.equal(unsigned.status, 401);
    // SIGTERM (systemctl stop) ends it cleanly: exit 0, so the unit is inactive, not failed
    await insideOk(who, ["systemctl", ...user, "stop", "hoist-serve.service"]);
    assert.equal(
      await unitProperty(who, "hoist-serve.service", "Result"),
      "success",
      await journal(),
    );
  } finally {
    await inside(who, ["systemctl", ...user, "stop", "hoist-serve.service"]);
    await inside(who, ["rm", "-rf", p.unit, `${p.unit}.d`]);
    await inside(who, ["systemctl", ...user, "daemon-reload"]);
    // let hoist remove what it deployed, then sweep whatever an interrupted run left
    await repo.write({ "gitops/servehost/config.yml": "services: {}\n" });
    await repo.commit("remove all");
    await inside(who, ["/usr/local/bin/hoist", "--config", p.config, "apply", "--quiet"]);
    await sweep(who, PREFIX);
    await inside(who, ["rm", "-rf", p.config, p.secret, p.state]);
    await repo.remove();
  }
}

Deno.test({
  name:
    "e2e 10. hoist-serve.service (rootful, hardened) deploys at start, a signed /deploy-all-changed deploys the next commit, SIGTERM stops it cleanly",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await serveRun("system");
  },
});

Deno.test({
  name:
    "e2e 10. hoist-serve-user.service in the user manager does the same for rootless containers",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await serveRun("user");
  },
});
