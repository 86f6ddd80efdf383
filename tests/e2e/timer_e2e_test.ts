/**
 * 9. hoist's own units (quadlets/) in a real systemd: the timer fires, hoist.service runs
 * `hoist apply` with the default config path, and the deployment is recorded. The rootful unit
 * runs with its hardening, which proves the hardening leaves hoist able to do its job.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  E2E_OPT,
  E2E_USER,
  e2eGate,
  hostPath,
  http,
  IMAGE,
  inside,
  insideOk,
  prepare,
  Repo,
  ROOT,
  sweep,
  unitProperty,
  type Who,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const PREFIX = "tmr-";

/** Where each manager reads units, hoist's config and state, as seen inside the namespace. */
const PLACES: Record<Who, { units: string; config: string; state: string; service: string }> = {
  user: {
    units: `/home/${E2E_USER}/.config/systemd/user`,
    config: `/home/${E2E_USER}/.config/hoist/config.toml`,
    state: `/home/${E2E_USER}/.local/state/hoist-e2e-timer`,
    service: "quadlets/hoist-user.service",
  },
  system: {
    units: "/etc/systemd/system",
    config: "/etc/hoist/config.toml",
    state: "/var/lib/hoist",
    service: "quadlets/hoist.service",
  },
};

async function put(who: Who, path: string, content: string): Promise<void> {
  await insideOk(
    who,
    ["sh", "-c", 'mkdir -p "$(dirname "$1")" && cat > "$1"', "put", path],
    content,
  );
}

/** Successful deployments recorded in the state DB (read from a copy: never touch hoist's files). */
async function deployments(state: string): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const from = await hostPath(state);
    for (const suffix of ["", "-wal"]) {
      await Deno.copyFile(`${from}/state.db${suffix}`, `${dir}/state.db${suffix}`).catch(() => {});
    }
    const db = new DatabaseSync(`${dir}/state.db`);
    try {
      const row = db.prepare("SELECT count(*) AS n FROM deployments WHERE status = 'ok'").get();
      return Number(row?.n ?? 0);
    } finally {
      db.close();
    }
  } catch {
    return 0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function timerRun(who: Who, port: number): Promise<void> {
  const p = PLACES[who];
  const user = who === "user" ? ["--user"] : [];
  await prepare();
  await sweep(who, PREFIX);
  // hoist.service has PrivateTmp=yes: keep the repository out of /tmp
  const repo = await Repo.create(who, {
    "gitops/timerhost/config.yml": "services:\n  web: {}\n",
    "gitops/timerhost/web/manifest.yml":
      `Container:\n  Image: ${IMAGE}\n  Environment: [PORT=8080, MESSAGE=timer-${who}]\n  PublishPort: 127.0.0.1:${port}:8080\n`,
  }, `${E2E_OPT}/repos`);
  try {
    await put(who, p.config, repo.configText("timerhost", PREFIX, who === "user" ? p.state : null));
    await put(who, `${p.units}/hoist.service`, await Deno.readTextFile(`${ROOT}/${p.service}`));
    await put(
      who,
      `${p.units}/hoist.timer`,
      await Deno.readTextFile(`${ROOT}/quadlets/hoist.timer`),
    );
    // fire once, soon, instead of on the 2-minute calendar
    await put(
      who,
      `${p.units}/hoist.timer.d/e2e.conf`,
      "[Timer]\nOnCalendar=\nOnActiveSec=1s\nRandomizedDelaySec=0\nAccuracySec=1s\n",
    );
    await insideOk(who, ["systemctl", ...user, "daemon-reload"]);
    await insideOk(who, ["systemctl", ...user, "start", "hoist.timer"]);
    let n = 0;
    for (let i = 0; i < 120 && n === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      n = await deployments(p.state);
    }
    const journal = async () =>
      (await inside(who, ["journalctl", ...user, "-u", "hoist.service", "--no-pager", "-n", "30"]))
        .stdout;
    assert.ok(n >= 1, `no deployment recorded by the timer run; journal:\n${await journal()}`);
    assert.equal(await unitProperty(who, "hoist.service", "Result"), "success", await journal());
    assert.equal(await http(port), `timer-${who}`);
  } finally {
    await inside(who, ["systemctl", ...user, "stop", "hoist.timer", "hoist.service"]);
    await inside(who, [
      "rm",
      "-rf",
      `${p.units}/hoist.service`,
      `${p.units}/hoist.timer`,
      `${p.units}/hoist.timer.d`,
    ]);
    await inside(who, ["systemctl", ...user, "daemon-reload"]);
    // let hoist remove what it deployed, then sweep whatever an interrupted run left
    await repo.write({ "gitops/timerhost/config.yml": "services: {}\n" });
    await repo.commit("remove all");
    await inside(who, ["/usr/local/bin/hoist", "apply", "--quiet"]);
    await sweep(who, PREFIX);
    await inside(who, ["rm", "-rf", p.config, p.state]);
    await repo.remove();
  }
}

Deno.test({
  name:
    "e2e 9. hoist.timer fires hoist.service (rootless variant) in the user manager; the deployment is recorded",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await timerRun("user", 18501);
  },
});

Deno.test({
  name: "e2e 9. hoist.timer fires the hardened rootful hoist.service; the deployment is recorded",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await timerRun("system", 18502);
  },
});

Deno.test({
  name:
    "e2e 9. hoist init --rootful --yes sets this host up from nothing, and its hoist.service deploys the repo",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    // in this file, after the timer tests: init writes the same places (/etc/hoist, /var/lib/hoist,
    // /etc/systemd/system/hoist.*), and tests in one file run one after the other
    const port = 18503;
    await prepare();
    await sweep("system", "gitops-initweb");
    const repo = await Repo.create("system", {
      "gitops/inithost/config.yml": "services:\n  initweb: {}\n",
      "gitops/inithost/initweb/manifest.yml":
        `Container:\n  Image: ${IMAGE}\n  Environment: [PORT=8080, MESSAGE=from-init]\n  PublishPort: 127.0.0.1:${port}:8080\n`,
    }, `${E2E_OPT}/repos`);
    const units = PLACES.system.units;
    try {
      await inside("system", ["rm", "-rf", "/etc/hoist", "/var/lib/hoist"]);
      const init = await inside("system", [
        "/usr/local/bin/hoist",
        "init",
        "--rootful",
        "--yes",
        "--repo",
        repo.path,
        "--host",
        "inithost",
        "--signer",
        `${repo.keys}/signing_key.pub`,
      ]);
      assert.equal(init.code, 0, `${init.stdout}\n${init.stderr}`);
      for (
        const f of [
          "/etc/hoist/config.toml",
          "/etc/hoist/allowed_signers",
          `${units}/hoist.service`,
          `${units}/hoist.timer`,
        ]
      ) {
        assert.equal((await inside("system", ["test", "-f", f])).code, 0, `init wrote ${f}`);
      }
      assert.equal(
        (await inside("system", ["systemctl", "is-enabled", "hoist.timer"])).stdout.trim(),
        "enabled",
      );
      await insideOk("system", ["systemctl", "start", "hoist.service"]);
      const journal = async () =>
        (await inside("system", ["journalctl", "-u", "hoist.service", "--no-pager", "-n", "30"]))
          .stdout;
      assert.equal(
        await unitProperty("system", "hoist.service", "Result"),
        "success",
        await journal(),
      );
      assert.ok(await deployments("/var/lib/hoist") >= 1, await journal());
      assert.equal(await http(port), "from-init");
      const doctor = await inside("system", ["/usr/local/bin/hoist", "doctor"]);
      assert.equal(doctor.code, 0, `doctor after init:\n${doctor.stdout}\n${doctor.stderr}`);
    } finally {
      await inside("system", ["systemctl", "disable", "--now", "hoist.timer"]);
      await inside("system", ["systemctl", "stop", "hoist.service"]);
      await repo.write({ "gitops/inithost/config.yml": "services: {}\n" });
      await repo.commit("remove all");
      await inside("system", ["/usr/local/bin/hoist", "apply", "--quiet"]);
      await inside("system", [
        "rm",
        "-rf",
        `${units}/hoist.service`,
        `${units}/hoist.timer`,
        `${units}/hoist.service.d`,
      ]);
      await inside("system", ["systemctl", "daemon-reload"]);
      await sweep("system", "gitops-initweb");
      await inside("system", ["rm", "-rf", "/etc/hoist", "/var/lib/hoist"]);
      await repo.remove();
    }
  },
});
