/**
 * Services deployed rootless for another account (`user = "e2e"` in config.yml) by rootful hoist,
 * against real systemd 257 + podman 5.4 (tests/e2e/setup.sh): a manifest, a raw quadlet and a
 * compose service; their unit files land in the e2e user's quadlet folder (owned by e2e), their
 * containers run in the e2e user's podman storage under its user manager and serve their pages
 * (the manifest's from hoist's immutable copy); `hoist status` reads them there; a second apply
 * restarts nothing; a nonexistent and a non-lingering account are refused with the fix while the
 * deployed service keeps running; removing the service from config.yml stops it and removes its
 * file from the e2e user's folder. A layout = "services" source gets the account from the agent
 * config's [services.<name>] user; a registry image is pulled as e2e, with e2e's own podman login,
 * into its storage. A service for e2e whose new revision crashes is judged unhealthy through
 * e2e's manager and rolled back in e2e's folder and manager, held back on the next apply, and
 * `hoist rollback` restores it there by hand (issue 12). Prefix `u6-`, ports 19850–19899
 * (issue 11).
 */
import assert from "node:assert/strict";
import { registryMissing, startRegistry, type TestRegistry } from "../support/registry.ts";
import {
  containers,
  E2E_USER,
  e2eGate,
  healthRecorded,
  hoist,
  http,
  IMAGE,
  inside,
  insideOk,
  quadletDir,
  Repo,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const PREFIX = "u6-";
const HOST = "u6host";
const G = `gitops/${HOST}`;
const PORT = 19850;
/** `systemctl` of the e2e user's manager, as hoist reaches it. */
const USER_CTL = ["systemctl", "--user", `--machine=${E2E_USER}@`];

/** web (a manifest), raw (raw quadlet files) and cmp (a compose project), all for e2e. */
const CONFIG = `services:\n  web:\n    user: ${E2E_USER}\n  raw:\n    user: ${E2E_USER}\n` +
  `  cmp:\n    user: ${E2E_USER}\n`;
const RAW = `[Container]
Image=${IMAGE}
Environment=PORT=8080 "MESSAGE=raw for e2e"
PublishPort=127.0.0.1:${PORT + 1}:8080

[Install]
WantedBy=default.target
`;
const COMPOSE = `services:
  app:
    image: ${IMAGE}
    environment:
      PORT: "8080"
      MESSAGE: compose for e2e
    ports:
      - "127.0.0.1:${PORT + 2}:8080"
`;

function manifest(port: number): string {
  return [
    "Container:",
    `  Image: ${IMAGE}`,
    "  Environment: PORT=8080",
    "  Volume: ${SERVICE_DIR}/www:/www:ro",
    `  PublishPort: 127.0.0.1:${port}:8080`,
    "",
  ].join("\n");
}

/** Stops and removes what an earlier, interrupted run left in the e2e user's folder. */
async function cleanUp(): Promise<void> {
  const ctl = USER_CTL.join(" ");
  await inside("system", [
    "sh",
    "-c",
    `cd "${quadletDir("user")}" || exit 0
${ctl} stop '${PREFIX}*'; ${ctl} reset-failed '${PREFIX}*'
rm -rf ./${PREFIX}*; ${ctl} daemon-reload`,
  ]);
  for (const net of ["cmp_default", "u6app_default"]) {
    await inside("user", ["podman", "network", "rm", "-f", net]);
  }
}

async function apply(config: string, expectCode = 0): Promise<string> {
  const r = await hoist("system", ["apply", "--config", config]);
  const out = r.stdout + r.stderr;
  assert.equal(r.code, expectCode, `hoist apply exit ${r.code}\n${out}`);
  return out;
}

/** The e2e user's containers of service `name` (by hoist's label; this file's units only). */
async function userContainers(name: string) {
  return (await containers("user")).filter((c) =>
    c.labels["gitops-service"] === name && (c.labels.PODMAN_SYSTEMD_UNIT ?? "").startsWith(PREFIX)
  );
}

Deno.test({
  name:
    "e2e user (rootful hoist, user = e2e): deployed into the e2e user's folder, manager and podman; a no-op restarts nothing; missing and non-lingering accounts are refused with the fix; removal stops it and removes its file",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await cleanUp();
    const repo = await Repo.create("system", {
      [`${G}/config.yml`]: CONFIG,
      [`${G}/web/manifest.yml`]: manifest(PORT),
      [`${G}/raw/${PREFIX}raw.container`]: RAW,
      [`${G}/cmp/compose.yaml`]: COMPOSE,
      [`${G}/web/www/index.html`]: "served for e2e\n",
      [`${G}/ghost/manifest.yml`]: manifest(PORT + 5),
      [`${G}/ghost/www/index.html`]: "never served\n",
      [`${G}/idle/manifest.yml`]: manifest(PORT + 6),
      [`${G}/idle/www/index.html`]: "never served\n",
    });
    const config = await repo.config(HOST, PREFIX);
    const unitFile = `${quadletDir("user")}/${PREFIX}web.container`;
    try {
      let first = "";
      await t.step(
        "deploys web (manifest), raw (raw quadlet) and cmp (compose) rootless for e2e",
        async () => {
          first = await apply(config);
          assert.equal(await http(PORT, 300), "served for e2e");
          assert.equal(await http(PORT + 1, 300), "raw for e2e");
          assert.equal(await http(PORT + 2, 300), "compose for e2e");
          for (const name of ["raw", "cmp"]) {
            assert.equal((await userContainers(name)).length, 1, `${name} runs in e2e's storage`);
          }
          // hoist's immutable copy: readable by e2e (its page is served from it) and nobody else
          const copies = `${repo.dir}/state/services/web`;
          const [copy] = [...Deno.readDirSync(copies)].filter((e) => !e.name.startsWith("."));
          const mode = await insideOk("system", [
            "stat",
            "-c",
            "%U:%G %a",
            `${copies}/${copy?.name}`,
          ]);
          assert.equal(mode.trim(), `root:${E2E_USER} 750`);
          const owner = await insideOk("system", ["stat", "-c", "%U %a", unitFile]);
          assert.equal(owner.trim(), `${E2E_USER} 644`);
          assert.equal(
            (await insideOk("system", [...USER_CTL, "is-active", `${PREFIX}web.service`])).trim(),
            "active",
          );
          const mine = await userContainers("web");
          assert.equal(mine.length, 1, "one container in the e2e user's storage");
          assert.equal(mine[0]?.state, "running");
          const rootful = (await containers("system")).filter((c) =>
            c.labels["gitops-service"] === "web" && c.name.startsWith(PREFIX)
          );
          assert.deepEqual(rootful, [], "nothing of web in root's storage");
          const sys = await inside("system", [
            "test",
            "-e",
            `/etc/containers/systemd/${PREFIX}web.container`,
          ]);
          assert.notEqual(sys.code, 0);
        },
      );

      await t.step(
        "a second apply restarts nothing; hoist status reads web from e2e's manager",
        async () => {
          const before = await userContainers("web");
          const out = await apply(config);
          assert.match(out, /No changes\./, out);
          assert.deepEqual(
            (await userContainers("web")).map((c) => c.id),
            before.map((c) => c.id),
          );
          assert.ok(first.length > 0);
          const r = await hoist("system", ["status", "--json", "--config", config]);
          const rows = (JSON.parse(r.stdout) as {
            services: { service: string; unitState: string; inSync: boolean }[];
          }).services;
          const web = rows.find((x) => x.service === "web");
          assert.equal(web?.unitState, "active (running)", r.stdout);
          assert.equal(web?.inSync, true, r.stdout);
        },
      );

      await t.step(
        "a missing and a non-lingering account are refused with the fix; web keeps running",
        async () => {
          const before = await userContainers("web");
          await repo.write({
            [`${G}/config.yml`]:
              `${CONFIG}  ghost:\n    user: u6-nobody\n  idle:\n    user: daemon\n`,
          });
          await repo.commit("two services for accounts that cannot run them");
          const out = await apply(config, 1);
          assert.match(
            out,
            /config\.yml:9: services\.ghost\.user: no account "u6-nobody" on this host/,
            out,
          );
          assert.match(out, /loginctl enable-linger u6-nobody/);
          assert.match(
            out,
            /config\.yml:11: services\.idle\.user: account "daemon" does not linger/,
            out,
          );
          assert.match(out, /Run loginctl enable-linger daemon/);
          assert.deepEqual(
            (await userContainers("web")).map((c) => c.id),
            before.map((c) => c.id),
          );
          assert.equal(await http(PORT), "served for e2e");
        },
      );

      await t.step(
        "removed from config.yml: stopped, its file gone from e2e's folder",
        async () => {
          await repo.write({ [`${G}/config.yml`]: "services: {}\n" });
          await repo.commit("remove web");
          await apply(config);
          const gone = await inside("system", ["test", "-e", unitFile]);
          assert.notEqual(gone.code, 0, `${unitFile} is removed`);
          for (const name of ["web", "raw", "cmp"]) {
            assert.deepEqual(await userContainers(name), []);
          }
          const left = await insideOk("system", ["ls", "-A", quadletDir("user")]);
          assert.deepEqual(left.split("\n").filter((f) => f.startsWith(PREFIX)), [], left);
          const active = await insideOk("system", [
            ...USER_CTL,
            "list-units",
            "--plain",
            "--no-legend",
            "--state=active",
            `${PREFIX}*`,
          ]);
          assert.equal(active.trim(), "", "nothing of this file's runs in e2e's manager");
        },
      );
    } finally {
      await cleanUp();
      await repo.remove();
    }
  },
});

Deno.test({
  name:
    'e2e user (rootful hoist, layout = "services"): [services.<name>] user = "e2e" in the agent config deploys a compose project with no config.yml for e2e, and removing it from the source removes it',
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await cleanUp();
    const port = PORT + 10;
    const repo = await Repo.create("system", {
      "services/u6app/compose.yaml": COMPOSE.replace(`${PORT + 2}:8080`, `${port}:8080`)
        .replace("compose for e2e", "agent config for e2e"),
    });
    try {
      const config = `${repo.dir}/config.toml`;
      const text = repo.configText("u6svc", PREFIX)
        .replace('path = "gitops"', 'layout = "services"\npath = "services"') +
        `\n[services.u6app]\nuser = "${E2E_USER}"\n`;
      await Deno.writeTextFile(config, text);
      await apply(config);
      assert.equal(await http(port, 300), "agent config for e2e");
      assert.equal((await userContainers("u6app")).length, 1, "runs in e2e's storage");
      const plan = await hoist("system", ["plan", "--config", config]);
      assert.match(plan.stdout, /No changes\./, plan.stdout + plan.stderr);
      await repo.write({ "services/u6app/compose.yaml": null, "services/README.md": "none yet\n" });
      await repo.commit("remove the project");
      await apply(config);
      assert.deepEqual(await userContainers("u6app"), []);
      const left = await insideOk("system", ["ls", "-A", quadletDir("user")]);
      assert.deepEqual(left.split("\n").filter((f) => f.startsWith(PREFIX)), [], left);
    } finally {
      await cleanUp();
      await repo.remove();
    }
  },
});

const registryAbsent = registryMissing();
const REGISTRY_CONF = "/etc/containers/registries.conf.d/hoist-e2e-u6.conf";

Deno.test({
  name:
    "e2e user (rootful hoist, user = e2e): a registry image is pulled into e2e's storage with e2e's own podman login before the service starts",
  ignore: ignore || registryAbsent !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await cleanUp();
    const port = PORT + 20;
    const dir = await Deno.makeTempDir({ prefix: "hoist-e2e-u6-registry-" });
    let registry: TestRegistry | undefined;
    let repo: Repo | undefined;
    let ref = "";
    try {
      registry = await startRegistry(dir);
      ref = `${registry.host}/hoist-e2e/u6reg:latest`;
      await insideOk("system", [
        "sh",
        "-c",
        'printf "[[registry]]\\nlocation = \\"%s\\"\\ninsecure = true\\n" "$2" > "$1"',
        "conf",
        REGISTRY_CONF,
        registry.host,
      ]);
      // the image exists only in the registry as far as e2e's storage knows
      const creds = `${registry.user}:${registry.password}`;
      const name = `u6-build-${crypto.randomUUID().slice(0, 8)}`;
      await insideOk("system", ["podman", "run", "--name", name, IMAGE, "true"]);
      await insideOk("system", ["podman", "commit", "--quiet", name, ref]);
      await insideOk("system", ["podman", "rm", name]);
      await insideOk("system", ["podman", "push", "--quiet", "--creds", creds, ref]);
      await inside("user", ["podman", "rmi", "-f", ref]);
      // e2e's own credentials; hoist's [[registries]] are never given to another account
      await insideOk(
        "user",
        ["podman", "login", "--username", registry.user, "--password-stdin", registry.host],
        `${registry.password}\n`,
      );
      repo = await Repo.create("system", {
        [`${G}/config.yml`]: `services:\n  u6reg:\n    user: ${E2E_USER}\n`,
        [`${G}/u6reg/manifest.yml`]: [
          "Container:",
          `  Image: ${ref}`,
          "  Exec: /bin/serve",
          "  Environment: [PORT=8080, MESSAGE=pulled-for-e2e]",
          `  PublishPort: 127.0.0.1:${port}:8080`,
          "",
        ].join("\n"),
      });
      const config = await repo.config(HOST, PREFIX);
      const run = await hoist("system", ["apply", "--verbose", "--config", config]);
      const out = run.stdout + run.stderr;
      assert.equal(run.code, 0, out);
      assert.match(out, /pull 1 image \(u6reg, as e2e\)/, out);
      // hoist pulled as e2e, into e2e's storage (never into root's, which holds the pushed image)
      assert.match(out, /spawn "runuser" "-u e2e -- podman pull /, out);
      assert.doesNotMatch(out, /spawn "podman" "pull /);
      assert.equal(await http(port, 300), "pulled-for-e2e");
      const there = await inside("user", ["podman", "image", "exists", ref]);
      assert.equal(there.code, 0, "the image is in e2e's storage");
      assert.equal((await userContainers("u6reg")).length, 1);
      await repo.write({ [`${G}/config.yml`]: "services: {}\n" });
      await repo.commit("remove u6reg");
      await apply(config);
      assert.deepEqual(await userContainers("u6reg"), []);
    } finally {
      await cleanUp();
      if (registry !== undefined) await inside("user", ["podman", "logout", registry.host]);
      if (ref !== "") {
        await inside("user", ["podman", "rmi", "-f", ref]);
        await inside("system", ["podman", "rmi", "-f", ref]);
      }
      await inside("system", ["rm", "-f", REGISTRY_CONF]);
      await registry?.stop();
      await repo?.remove();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A busybox httpd service for e2e on `port` serving `page`; `before` runs first (`exit 1`: dies). */
function crashable(port: number, page: string, before = ""): string {
  const run = `${before}mkdir -p /w && echo ${page} > /w/index.html && exec httpd -f -p 8080 -h /w`;
  return `Container:\n  Image: ${IMAGE}\n  Exec: sh -c "${run}"\n` +
    `  PublishPort: 127.0.0.1:${port}:8080\n`;
}

/** The state DB's health rows of `service`: checks [phase, hash, verdict], rollbacks, failed. */
function healthRows(stateDb: string, service: string) {
  const r = healthRecorded(stateDb, service);
  return { ...r, checks: r.checks.map((c) => [c.phase, c.hash, c.verdict]) };
}

Deno.test({
  name:
    "e2e user 12.12 (rootful hoist, user = e2e): a new revision that crashes is judged unhealthy through e2e's manager, rolled back in e2e's folder and manager, held back next apply; hoist rollback restores it there by hand",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await cleanUp();
    const port = PORT + 30;
    const file = `${G}/hw/manifest.yml`;
    const repo = await Repo.create("system", {
      [`${G}/config.yml`]: `services:\n  hw:\n    user: ${E2E_USER}\n`,
      [file]: crashable(port, "v1"),
    });
    const unitFile = `${quadletDir("user")}/${PREFIX}hw.container`;
    try {
      const config = await repo.config(HOST, PREFIX);
      const db = `${repo.dir}/state/state.db`;
      await apply(config);
      assert.equal(await http(port, 300), "v1");
      const good = healthRows(db, "hw");
      assert.deepEqual(good.checks.map(([phase, , verdict]) => [phase, verdict]), [
        ["deploy", "healthy"],
      ]);
      const goodHash = good.checks[0]?.[1] ?? "";
      const goodUnit = await insideOk("system", ["cat", unitFile]);

      await repo.write({ [file]: crashable(port, "v2", "exit 1; ") });
      await repo.commit("hw dies at once");
      const bad = await hoist("system", ["apply", "--config", config]);
      const out = bad.stdout + bad.stderr;
      assert.equal(bad.code, 1, out);
      assert.match(
        bad.stdout,
        new RegExp(`hw: rolled back [0-9a-f]{8}… → ${goodHash.slice(0, 8)}… \\(.*\\)`),
        out,
      );
      assert.equal(await http(port, 300), "v1", "the good page is served again");
      const after = healthRows(db, "hw");
      const badHash = after.checks[1]?.[1] ?? "";
      assert.notEqual(badHash, goodHash);
      assert.deepEqual(after.checks, [
        ["deploy", goodHash, "healthy"],
        ["deploy", badHash, "unhealthy"],
        ["rollback", goodHash, "healthy"],
      ]);
      assert.deepEqual(after.rollbacks, [[badHash, goodHash, "rolled-back"]]);
      assert.deepEqual(after.failed, [badHash]);
      // the good unit is back in e2e's folder, written as e2e; nothing went to root's
      assert.equal(await insideOk("system", ["cat", unitFile]), goodUnit);
      const owner = await insideOk("system", ["stat", "-c", "%U %a", unitFile]);
      assert.equal(owner.trim(), `${E2E_USER} 644`);
      const rootful = await inside("system", [
        "test",
        "-e",
        `/etc/containers/systemd/${PREFIX}hw.container`,
      ]);
      assert.notEqual(rootful.code, 0, "nothing of hw in root's quadlet folder");
      assert.equal(
        (await insideOk("system", [...USER_CTL, "is-active", `${PREFIX}hw.service`])).trim(),
        "active",
      );
      const running = await userContainers("hw");
      assert.equal(running.length, 1, "one container in e2e's storage");

      // the breaker: the bad hash is not tried again; hw keeps running for e2e, untouched
      const again = await hoist("system", ["apply", "--config", config]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(
        again.stdout + again.stderr,
        new RegExp(`hw: held back: hash ${badHash.slice(0, 12)} failed health at `),
      );
      assert.deepEqual((await userContainers("hw")).map((c) => c.id), running.map((c) => c.id));
      assert.equal(healthRows(db, "hw").checks.length, 3, "nothing deployed, nothing judged");

      // a fix deploys for e2e; hoist rollback puts the good revision back in e2e's manager
      await repo.write({ [file]: crashable(port, "v3") });
      await repo.commit("fix hw");
      await apply(config);
      assert.equal(await http(port, 300), "v3");
      const manual = await hoist("system", ["rollback", "hw", "--config", config]);
      assert.equal(manual.code, 0, manual.stdout + manual.stderr);
      assert.match(
        manual.stdout,
        new RegExp(`hw: rolled back [0-9a-f]{8}… → ${goodHash.slice(0, 8)}…`),
      );
      assert.equal(await http(port, 300), "v1");
      assert.equal(await insideOk("system", ["cat", unitFile]), goodUnit);
      const kept = await hoist("system", ["apply", "--config", config]);
      assert.equal(kept.code, 0, kept.stdout + kept.stderr);
      assert.match(kept.stdout + kept.stderr, /hw: held back: .*rolled back by hand/);
      assert.equal(await http(port, 300), "v1");
    } finally {
      await cleanUp();
      await repo.remove();
    }
  },
});
