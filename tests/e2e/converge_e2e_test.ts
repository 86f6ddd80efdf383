/**
 * hoist converges exactly, against real systemd 257 + podman 5.4 (tests/e2e/setup.sh), rootful:
 * a moved manifest key restarts nothing, the plan's restart set is the set of containers that get
 * new IDs (systemd's Requires= restarts included), a unit file deleted by hand comes back without
 * a restart, rapid commits never trip the start limit, and a failed daemon-reload is made up for by
 * the next run. Prefix `cv-`, ports 18600–18699 (issue 10).
 */
import assert from "node:assert/strict";
import {
  type Container,
  containers,
  e2eGate,
  hoist,
  http,
  IMAGE,
  inside,
  insideOk,
  quadletDir,
  Repo,
  sweep,
  unitProperty,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const HOST = "cvhost";
const G = `gitops/${HOST}`;
const PREFIX = "cv-";
const BASE = 18600;
const WHO = "system" as const;

/** A busybox httpd service on 127.0.0.1:`port` answering `message`; keys in the order given. */
function manifest(
  port: number,
  message: string,
  opts: { unit?: string[]; reorder?: boolean } = {},
) {
  const container = [
    `  Image: ${IMAGE}`,
    `  Environment: [PORT=8080, MESSAGE=${message}]`,
    `  PublishPort: 127.0.0.1:${port}:8080`,
  ];
  return [
    ...(opts.unit ? ["Unit:", ...opts.unit] : []),
    "Container:",
    ...(opts.reorder ? [...container].reverse() : container),
    "",
  ].join("\n");
}

const REQUIRES_API = ["  Requires: cv-api.service", "  After: cv-api.service"];
/** solo's start limit is wide enough that six restarts trip it however slow the machine is. */
const LIMIT = ["  StartLimitIntervalSec: 120", "  StartLimitBurst: 5"];

function files(): Record<string, string> {
  return {
    [`${G}/config.yml`]: "services:\n  api: {}\n  web: {}\n  solo: {}\n",
    [`${G}/api/manifest.yml`]: manifest(BASE + 1, "api-v1"),
    [`${G}/web/manifest.yml`]: manifest(BASE + 2, "web-v1", { unit: REQUIRES_API }),
    [`${G}/solo/manifest.yml`]: manifest(BASE + 3, "solo-v1", { unit: LIMIT }),
  };
}

/** Container id by generated unit, for this file's services only. */
function idsByUnit(all: readonly Container[]): Map<string, string> {
  return new Map(
    all.filter((c) => (c.labels["PODMAN_SYSTEMD_UNIT"] ?? "").startsWith(PREFIX))
      .map((c) => [c.labels["PODMAN_SYSTEMD_UNIT"] ?? "", c.id]),
  );
}

async function apply(config: string, expectCode = 0, env: string[] = []): Promise<string> {
  const r = env.length === 0
    ? await hoist(WHO, ["apply", "--config", config])
    : await inside(WHO, ["env", ...env, "/usr/local/bin/hoist", "apply", "--config", config]);
  assert.equal(r.code, expectCode, `hoist apply exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

interface PlanJson {
  actions: { kind: string; unit: string }[];
  consequences?: { kind: string; unit: string }[];
}

/** Units the plan says will be restarted: hoist's restarts and systemd's. */
async function plannedRestarts(config: string): Promise<string[]> {
  const r = await hoist(WHO, ["plan", "--json", "--config", config]);
  const plan = JSON.parse(r.stdout) as PlanJson;
  return [
    ...plan.actions.filter((a) => a.kind === "restart").flatMap((a) => a.unit.split(" ")),
    ...(plan.consequences ?? []).filter((c) => c.kind === "restart").map((c) => c.unit),
  ].sort();
}

/** Units whose container id changed between two listings. */
function renewed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([u, id]) => before.get(u) !== id).map(([u]) => u).sort();
}

async function scenario(t: Deno.TestContext): Promise<void> {
  await sweep(WHO, PREFIX);
  const repo = await Repo.create(WHO, files());
  const config = await repo.config(HOST, PREFIX);
  try {
    await t.step("apply starts api, web (Requires=cv-api.service) and solo", async () => {
      await apply(config);
      assert.equal(await http(BASE + 1), "api-v1");
      assert.equal(await http(BASE + 2), "web-v1");
      assert.equal(await http(BASE + 3), "solo-v1");
    });

    await t.step(
      "moving manifest keys rewrites the file in the new order and restarts nothing",
      async () => {
        const before = idsByUnit(await containers(WHO));
        await repo.write({
          [`${G}/web/manifest.yml`]: manifest(BASE + 2, "web-v1", {
            unit: REQUIRES_API,
            reorder: true,
          }),
        });
        await repo.commit("reorder web's keys");
        const out = await apply(config);
        assert.match(out, /write cv-web\.container \(web\): same configuration/);
        assert.doesNotMatch(out, /restart cv-/);
        assert.deepEqual(idsByUnit(await containers(WHO)), before);
        const text = await insideOk(WHO, ["cat", `${quadletDir(WHO)}/cv-web.container`]);
        assert.ok(text.indexOf("PublishPort=") < text.indexOf("Image="), text);
      },
    );

    await t.step(
      "a change to api: the plan's restart set (web through Requires=) is the set of containers with new IDs",
      async () => {
        await repo.write({ [`${G}/api/manifest.yml`]: manifest(BASE + 1, "api-v2") });
        await repo.commit("api v2");
        const planned = await plannedRestarts(config);
        const before = idsByUnit(await containers(WHO));
        const out = await apply(config);
        assert.match(
          out,
          /restart cv-web\.service \(web\): restarted by systemd with cv-api\.service \(Requires=\)/,
        );
        const after = idsByUnit(await containers(WHO));
        assert.deepEqual(planned, renewed(before, after));
        assert.deepEqual(planned, ["cv-api.service", "cv-web.service"]);
        assert.equal(await http(BASE + 1), "api-v2");
      },
    );

    await t.step("a unit file deleted by hand is rewritten and nothing restarts", async () => {
      const path = `${quadletDir(WHO)}/cv-solo.container`;
      const content = await insideOk(WHO, ["cat", path]);
      const before = idsByUnit(await containers(WHO));
      await insideOk(WHO, ["rm", path]);
      const out = await apply(config);
      assert.match(out, /write cv-solo\.container \(solo\): file missing on disk/);
      assert.equal(await insideOk(WHO, ["cat", path]), content);
      assert.deepEqual(idsByUnit(await containers(WHO)), before);
      assert.equal(await unitProperty(WHO, "cv-solo.service", "ActiveState"), "active");
    });

    await t.step(
      "six commits in quick succession: each apply exits 0, solo is up at the end",
      async () => {
        const started = Date.now();
        for (let i = 2; i <= 7; i++) {
          await repo.write({
            [`${G}/solo/manifest.yml`]: manifest(BASE + 3, `solo-v${i}`, { unit: LIMIT }),
          });
          await repo.commit(`solo v${i}`);
          await apply(config);
        }
        console.log(`six commits applied in ${Date.now() - started} ms`);
        assert.equal(await unitProperty(WHO, "cv-solo.service", "ActiveState"), "active");
        assert.equal(await http(BASE + 3), "solo-v7");
      },
    );

    await t.step(
      "a daemon-reload that fails once: the next run reloads and converges",
      async () => {
        const wrap = await Deno.makeTempDir({ prefix: "hoist-e2e-cv-bin-" });
        try {
          await Deno.writeTextFile(
            `${wrap}/systemctl`,
            `#!/bin/sh
# fails daemon-reload once, passes everything else to the real systemctl
if [ "$1" = daemon-reload ] && [ ! -e ${wrap}/failed ]; then
  : > ${wrap}/failed
  echo "Failed to reload daemon: injected by the e2e test" >&2
  exit 1
fi
exec /usr/bin/systemctl "$@"
`,
          );
          await Deno.chmod(`${wrap}/systemctl`, 0o755);
          await Deno.chmod(wrap, 0o755);
          await repo.write({
            [`${G}/solo/manifest.yml`]: manifest(BASE + 3, "solo-v8", { unit: LIMIT }),
          });
          await repo.commit("solo v8");
          const failed = await apply(config, 1, [`PATH=${wrap}:/usr/local/bin:/usr/bin:/bin`]);
          assert.match(failed, /injected by the e2e test/);
          assert.equal(await http(BASE + 3), "solo-v7", "the old container still serves");
          const out = await apply(config);
          assert.match(out, /daemon-reload/);
          assert.match(out, /restart cv-solo\.service/);
          assert.equal(await http(BASE + 3), "solo-v8");
          const again = await apply(config);
          assert.match(again, /No changes\./);
        } finally {
          await Deno.remove(wrap, { recursive: true });
        }
      },
    );

    await t.step(
      "a container that exits a second after start is a failed start, and status shows its unit failed",
      async () => {
        await repo.write({
          [`${G}/config.yml`]: "services:\n  api: {}\n  web: {}\n  solo: {}\n  dies: {}\n",
          [`${G}/dies/manifest.yml`]:
            `Container:\n  Image: ${IMAGE}\n  Exec: sh -c 'sleep 1; exit 3'\n`,
        });
        await repo.commit("dies");
        const out = await apply(config, 1);
        assert.match(out, /cv-dies\.service (failed|inactive|activating).* right after it started/);
        const r = await hoist(WHO, ["status", "--json", "--config", config]);
        const rows = (JSON.parse(r.stdout) as {
          services: { service: string; unitState: string; inSync: boolean }[];
        }).services;
        const dies = rows.find((x) => x.service === "dies");
        assert.equal(dies?.unitState, "failed (exit-code)", r.stdout);
        assert.equal(dies?.inSync, false);
        await repo.write({
          [`${G}/config.yml`]: "services:\n  api: {}\n  web: {}\n  solo: {}\n",
          [`${G}/dies/manifest.yml`]: null,
        });
        await repo.commit("no dies");
        await apply(config);
      },
    );

    await t.step(
      "an emptied state.db while hoist's units are on disk: refused; --adopt owns them again, stops the dropped service and keeps anti-rollback closed",
      async () => {
        const db = `${repo.dir}/state/state.db`;
        for (const f of [`${db}-wal`, `${db}-shm`]) await Deno.remove(f).catch(() => {});
        await Deno.writeTextFile(db, "");
        await repo.write({ [`${G}/config.yml`]: "services:\n  api: {}\n  web: {}\n" });
        const dropped = await repo.commit("drop solo");
        const refused = await apply(config, 1);
        assert.match(refused, /state DB was lost or emptied/);
        assert.match(refused, /hoist apply --adopt/);
        assert.equal(await unitProperty(WHO, "cv-solo.service", "ActiveState"), "active");
        const r = await hoist(WHO, ["apply", "--adopt", "--config", config]);
        const out = r.stdout + r.stderr;
        assert.equal(r.code, 0, out);
        assert.match(out, /stop cv-solo\.service \(solo\): removed from config\.yml/);
        assert.doesNotMatch(out, /restart cv-/, "api and web are adopted as they run");
        assert.equal(
          (await inside(WHO, ["test", "-e", `${quadletDir(WHO)}/cv-solo.container`])).code,
          1,
        );
        assert.match(await apply(config), /No changes\./);
        // the adopted commit is the anti-rollback baseline again
        await repo.git("-C", repo.path, "reset", "-q", "--hard", "HEAD~1");
        assert.match(await apply(config, 1), /does not descend from/);
        await repo.git("-C", repo.path, "reset", "-q", "--hard", dropped);
      },
    );
  } finally {
    await repo.write({ [`${G}/config.yml`]: "services: {}\n" });
    await repo.commit("remove all");
    await hoist(WHO, ["apply", "--config", config]);
    await sweep(WHO, PREFIX);
    await repo.remove();
  }
}

Deno.test({
  name: "e2e converge (rootful): exact restarts, start limits, an interrupted reload",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await scenario(t);
  },
});
