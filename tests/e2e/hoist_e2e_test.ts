/**
 * hoist against a real systemd and real podman (tests/e2e/setup.sh), rootless and rootful.
 * Numbers in step names refer to the list in issue 4.
 */
import assert from "node:assert/strict";
import { encryptForStandin } from "../support/sops_standin.ts";
import {
  type Container,
  containers,
  e2eGate,
  hoist,
  http,
  IMAGE,
  inside,
  insideOk,
  lineIndex,
  quadletDir,
  Repo,
  sh,
  SOPS_KEY,
  spawned,
  sweep,
  unitProperty,
  type Who,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const HOST = "e2ehost";
const G = `gitops/${HOST}`;

function manifest(port: number, extra: string[] = [], unit: string[] = []): string {
  return [
    ...(unit.length > 0 ? ["Unit:", ...unit] : []),
    "Container:",
    `  Image: ${IMAGE}`,
    "  Environment: PORT=8080",
    "  Volume: ${SERVICE_DIR}/www:/www:ro,z",
    `  PublishPort: 127.0.0.1:${port}:8080`,
    ...extra,
    "",
  ].join("\n");
}

function rawContainer(port: number, message: string, extra = ""): string {
  return `[Unit]
Description=service c: raw quadlet files with a network and a volume

[Container]
Image=${IMAGE}
Environment=PORT=8080 MESSAGE=${message}
Network=c-net.network
Volume=c-data.volume:/data
PublishPort=127.0.0.1:${port}:8080
${extra}
[Install]
WantedBy=default.target
`;
}

function files(base: number): Record<string, string> {
  return {
    [`${G}/config.yml`]: "services:\n  a: {}\n  b: {}\n  c: {}\n",
    [`${G}/a/manifest.yml`]: manifest(base + 1, [], [
      "  Requires: e2e-b.service",
      "  After: e2e-b.service",
    ]),
    [`${G}/a/www/index.html`]: "a-v1\n",
    [`${G}/b/manifest.yml`]: manifest(base + 2),
    [`${G}/b/www/index.html`]: "b-v1\n",
    [`${G}/c/c.container`]: rawContainer(base + 3, "c-v1"),
    [`${G}/c/c-net.network`]: "[Network]\nLabel=e2e=1\n",
    [`${G}/c/c-data.volume`]: "[Volume]\nLabel=e2e=1\n",
  };
}

/** Container of `service` (by hoist's label), asserting there is exactly one. */
function one(all: readonly Container[], service: string): Container {
  const mine = all.filter((c) => c.labels["gitops-service"] === service);
  assert.equal(
    mine.length,
    1,
    `one container for ${service}, got ${JSON.stringify(mine.map((c) => c.name))}`,
  );
  return mine[0]!;
}

/** Container ids of services a, b and c (not the timer test's, which runs beside these). */
function ids(all: readonly Container[]): string[] {
  return ["a", "b", "c"].map((s) => one(all, s).id);
}

async function apply(who: Who, config: string, expectCode = 0): Promise<string> {
  const r = await hoist(who, ["apply", "--config", config]);
  assert.equal(r.code, expectCode, `hoist apply exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** A line of `text` naming `file` and saying it must be recreated (the plan's warning). */
function recreateWarning(text: string, file: string): string | undefined {
  return text.split("\n").find((l) => l.includes(file) && /recreate/i.test(l));
}

async function scenario(t: Deno.TestContext, who: Who, base: number): Promise<void> {
  await sweep(who, "e2e-");
  const repo = await Repo.create(who, files(base));
  const config = await repo.config(HOST);
  const user = who === "user" ? ["--user"] : [];
  /** Output of step 1's apply (step 6 reads the order of its starts). */
  let firstApply = "";
  try {
    await t.step(
      "1. apply starts three services with hoist's labels; HTTP serves the committed files",
      async () => {
        firstApply = await apply(who, config);
        const all = await containers(who);
        for (const s of ["a", "b", "c"]) {
          const c = one(all, s);
          assert.equal(c.state, "running");
          assert.match(c.labels["gitops-hash"] ?? "", /^[0-9a-f]{16}$/);
        }
        assert.equal(await http(base + 1), "a-v1");
        assert.equal(await http(base + 2), "b-v1");
        assert.equal(await http(base + 3), "c-v1");
      },
    );

    await t.step("6. a requires b: hoist starts b before a, and systemd ran b first", async () => {
      const startB = lineIndex(firstApply, /\bstart e2e-b\.service\b/);
      const startA = lineIndex(firstApply, /\bstart e2e-a\.service\b/);
      assert.ok(startB >= 0 && startA >= 0, `both starts in the plan:\n${firstApply}`);
      assert.ok(startB < startA, `hoist's plan starts b before a:\n${firstApply}`);
      const a = Number(await unitProperty(who, "e2e-a.service", "ActiveEnterTimestampMonotonic"));
      const b = Number(await unitProperty(who, "e2e-b.service", "ActiveEnterTimestampMonotonic"));
      assert.ok(b > 0 && a > 0, "both active");
      assert.ok(b < a, `b (${b}) became active before a (${a})`);
    });

    await t.step(
      "8. plan after apply: no changes, exit 0 with --detailed-exitcode, exactly 3 processes",
      async () => {
        const r = await hoist(who, [
          "plan",
          "--detailed-exitcode",
          "--verbose",
          "--config",
          config,
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /No changes\./);
        // one fetch and one listing each (the commit's desired state is cached: no git archive);
        // podman and systemctl may run in either order (they are asked at once)
        assert.deepEqual(
          spawned(r.stderr).sort(),
          ["git fetch", "podman ps", "systemctl list-units"],
          r.stderr,
        );
      },
    );

    await t.step("2. an edited served file restarts only that service", async () => {
      const before = await containers(who);
      await repo.write({ [`${G}/a/www/index.html`]: "a-v2\n" });
      await repo.commit("a v2");
      const out = await apply(who, config);
      assert.match(out, /restart e2e-a\.service \(a\): content changed: www\/index\.html/);
      const after = await containers(who);
      assert.notEqual(one(after, "a").id, one(before, "a").id, "a got a new container");
      assert.equal(one(after, "b").id, one(before, "b").id, "b untouched");
      assert.equal(one(after, "c").id, one(before, "c").id, "c untouched");
      assert.equal(await http(base + 1), "a-v2");
    });

    await t.step("3. a comment-only manifest edit restarts nothing", async () => {
      const before = await containers(who);
      await repo.write({
        [`${G}/b/manifest.yml`]: "# served by busybox httpd\n" + manifest(base + 2),
      });
      await repo.commit("comment");
      const out = await apply(who, config);
      assert.match(out, /No changes\./);
      // only this scenario's containers: the timer test runs its own beside it
      assert.deepEqual(ids(await containers(who)), ids(before));
    });

    await t.step(
      "7. network and volume quadlets exist and are used; a changed one restarts its service, with a warning that podman keeps the old one",
      async () => {
        const net = await inside(who, ["podman", "network", "inspect", "systemd-c-net"]);
        assert.equal(net.code, 0, net.stderr);
        const vol = await inside(who, ["podman", "volume", "inspect", "systemd-c-data"]);
        assert.equal(vol.code, 0, vol.stderr);
        const c = one(await containers(who), "c");
        const inspect = JSON.parse(await insideOk(who, ["podman", "inspect", c.id]))[0];
        assert.ok(Object.keys(inspect.NetworkSettings.Networks).includes("systemd-c-net"));
        assert.ok(
          (inspect.Mounts as Array<{ Name?: string }>).some((m) => m.Name === "systemd-c-data"),
        );
        const netStarted = await unitProperty(
          who,
          "c-net-network.service",
          "ActiveEnterTimestampMonotonic",
        );
        await repo.write({ [`${G}/c/c-net.network`]: "[Network]\nLabel=e2e=2\n" });
        await repo.commit("network label");
        const out = await apply(who, config);
        assert.match(out, /restart c\.service.*\(c\): content changed: c-net\.network/);
        assert.notEqual(
          await unitProperty(who, "c-net-network.service", "ActiveEnterTimestampMonotonic"),
          netStarted,
        );
        assert.notEqual(one(await containers(who), "c").id, c.id, "c restarted");
        assert.equal(await http(base + 3), "c-v1");
        // `podman network create --ignore` leaves an existing network as it is: the label
        // stays, so the plan must say that the network needs recreating
        const netAfter = JSON.parse(
          await insideOk(who, ["podman", "network", "inspect", "systemd-c-net"]),
        )[0];
        assert.equal(netAfter.labels?.e2e, "1", "podman kept the old network");
        assert.ok(recreateWarning(out, "c-net.network"), `a recreate warning:\n${out}`);

        const volStarted = await unitProperty(
          who,
          "c-data-volume.service",
          "ActiveEnterTimestampMonotonic",
        );
        const c2 = one(await containers(who), "c");
        await repo.write({ [`${G}/c/c-data.volume`]: "[Volume]\nLabel=e2e=2\n" });
        await repo.commit("volume label");
        const volOut = await apply(who, config);
        assert.match(volOut, /restart c\.service.*\(c\): content changed: c-data\.volume/);
        assert.notEqual(
          await unitProperty(who, "c-data-volume.service", "ActiveEnterTimestampMonotonic"),
          volStarted,
          "c-data-volume.service restarted",
        );
        assert.notEqual(one(await containers(who), "c").id, c2.id, "c restarted");
        const volAfter = JSON.parse(
          await insideOk(who, ["podman", "volume", "inspect", "systemd-c-data"]),
        )[0];
        assert.equal(volAfter.Labels?.e2e, "1", "podman kept the old volume");
        assert.ok(recreateWarning(volOut, "c-data.volume"), `a recreate warning:\n${volOut}`);
        assert.equal(await http(base + 3), "c-v1");
      },
    );

    await t.step(
      "5. a unit the generator rejects blocks only its service; the deployed version keeps running",
      async () => {
        const before = await containers(who);
        await repo.write({
          [`${G}/c/c.container`]: rawContainer(base + 3, "c-v2", "NoSuchKey=1\n"),
          [`${G}/b/www/index.html`]: "b-v2\n",
        });
        await repo.commit("broken c, new b");
        const out = await apply(who, config, 1);
        assert.match(out, /quadlet rejects e2e-c\/c\.container: unsupported key 'NoSuchKey'/);
        const after = await containers(who);
        assert.equal(one(after, "c").id, one(before, "c").id, "c keeps running");
        assert.equal(one(after, "c").state, "running");
        assert.doesNotMatch(
          await insideOk(who, ["cat", `${quadletDir(who)}/e2e-c/c.container`]),
          /NoSuchKey/,
        );
        assert.equal(await http(base + 2), "b-v2", "b deployed");
        assert.equal(await http(base + 3), "c-v1");
        await repo.write({ [`${G}/c/c.container`]: rawContainer(base + 3, "c-v1") });
        await repo.commit("fix c");
        await apply(who, config);
      },
    );

    await t.step(
      "signed commits: the plan names the ssh signer; an unsigned commit changes nothing",
      async () => {
        const plan = await hoist(who, ["plan", "--config", config]);
        assert.equal(plan.code, 0, plan.stdout + plan.stderr);
        assert.match(plan.stdout, /signed by ssh SHA256:\S+ e2e@example\.invalid/);
        const before = await containers(who);
        await repo.write({ [`${G}/a/www/index.html`]: "unsigned\n" });
        await repo.git("-C", repo.path, "add", "-A");
        await repo.git(
          "-C",
          repo.path,
          "-c",
          "commit.gpgsign=false",
          "commit",
          "-q",
          "-m",
          "unsigned",
        );
        if (who === "user") await sh("chown", ["-R", "e2e", repo.dir]);
        const refused = await hoist(who, ["apply", "--config", config]);
        assert.equal(refused.code, 1, refused.stdout + refused.stderr);
        assert.match(refused.stderr, /is not signed/);
        assert.deepEqual(ids(await containers(who)), ids(before));
        assert.equal(await http(base + 1), "a-v2");
        await repo.write({ [`${G}/a/www/index.html`]: "a-v2\n" });
        await repo.commit("back to a-v2, signed");
        await apply(who, config);
      },
    );

    await t.step(
      "secrets: manifest.sops.yml values reach the container through a 0600 env file, never the unit",
      async () => {
        const secret = (v: string) =>
          encryptForStandin(
            `Container:\n  Environment:\n    - MESSAGE=secret-${who}-${v}\n`,
            SOPS_KEY,
            "yaml",
          );
        await repo.write({
          [`${G}/config.yml`]: "services:\n  a: {}\n  b: {}\n  c: {}\n  d: {}\n",
          [`${G}/d/manifest.yml`]:
            `Container:\n  Image: ${IMAGE}\n  Environment: PORT=8080\n  PublishPort: 127.0.0.1:${
              base + 4
            }:8080\n`,
          [`${G}/d/manifest.sops.yml`]: secret("v1"),
        });
        await repo.commit("d with a secret");
        await apply(who, config);
        assert.equal(
          await http(base + 4),
          `secret-${who}-v1`,
          "busybox serves $MESSAGE from the env file",
        );
        const unit = await insideOk(who, ["cat", `${quadletDir(who)}/e2e-d.container`]);
        assert.doesNotMatch(unit, /secret-/);
        assert.match(unit, /^EnvironmentFile=.*\/\.manifest-secrets\.env$/m);
        const generated = await insideOk(who, ["systemctl", ...user, "cat", "e2e-d.service"]);
        assert.doesNotMatch(generated, /secret-/, "the generated service holds no secret");
        const d = one(await containers(who), "d");
        await repo.write({ [`${G}/d/manifest.sops.yml`]: secret("v2") });
        await repo.commit("rotate d's secret");
        const out = await apply(who, config);
        assert.match(out, /restart e2e-d\.service \(d\): content changed: manifest\.sops\.yml/);
        assert.doesNotMatch(out, /secret-/);
        assert.notEqual(one(await containers(who), "d").id, d.id);
        assert.equal(await http(base + 4), `secret-${who}-v2`);
      },
    );

    await t.step(
      "4. a service removed from config.yml is stopped and removed; foreign things stay",
      async () => {
        const foreignFile = `${quadletDir(who)}/foreign-e2e.container`;
        await insideOk(who, ["sh", "-c", `cat > ${foreignFile}`], `[Container]\nImage=${IMAGE}\n`);
        await insideOk(who, [
          "podman",
          "run",
          "-d",
          "--replace",
          "--name",
          "foreign-e2e",
          "--label",
          "gitops-service=a",
          IMAGE,
        ]);
        try {
          await repo.write({ [`${G}/config.yml`]: "services:\n  b: {}\n  c: {}\n  d: {}\n" });
          await repo.commit("drop a");
          const out = await apply(who, config);
          assert.match(out, /stop e2e-a\.service \(a\): removed from config\.yml/);
          const names = (await containers(who)).map((c) => c.name);
          assert.ok(!names.includes("systemd-e2e-a"), `a's container is gone: ${names}`);
          assert.ok(names.includes("foreign-e2e"), "a container hoist did not create stays");
          assert.equal(
            (await inside(who, ["test", "-e", `${quadletDir(who)}/e2e-a.container`])).code,
            1,
          );
          assert.equal(await unitProperty(who, "e2e-a.service", "LoadState"), "not-found");
          assert.equal(
            (await inside(who, ["test", "-e", foreignFile])).code,
            0,
            "a file hoist did not create stays",
          );
          assert.equal(await http(base + 2), "b-v2");
        } finally {
          await inside(who, ["podman", "rm", "-f", "foreign-e2e"]);
          await inside(who, ["rm", "-f", foreignFile]);
          await inside(who, ["systemctl", ...user, "daemon-reload"]);
        }
      },
    );
  } finally {
    await repo.write({ [`${G}/config.yml`]: "services: {}\n" });
    await repo.commit("remove all");
    await hoist(who, ["apply", "--config", config]);
    await sweep(who, "e2e-");
    await repo.remove();
  }
}

Deno.test({
  name: "e2e rootless: hoist drives systemctl --user and rootless podman",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await scenario(t, "user", 18300);
  },
});

Deno.test({
  name: "e2e rootful: hoist drives the system manager and rootful podman",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await scenario(t, "system", 18400);
  },
});
