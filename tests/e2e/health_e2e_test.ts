/**
 * 12. Health-gated deploys against real systemd and podman: a commit whose container exits at
 * once is rolled back to the last healthy revision (the old page is served again, exit 1, the
 * state DB records the verdicts and the rollback), the next apply holds it back instead of
 * retrying it, a fix commit deploys (rootful); a `Restart=always` crash loop, which never reaches
 * `failed`, is detected by systemd's restart count and rolled back (rootless); a container whose
 * HEALTHCHECK fails is rolled back, and a slow starter inside its start period is kept; probes
 * configured in config.yml and in the agent config (http, tcp, command) judge instead of the
 * default, a failing one rolling back only its service (12.8 rootful, 12.9 rootless); a compose
 * project whose edited compose service fails its own x-hoist check is rolled back as a whole, the
 * reason naming that compose service, the other compose service serving throughout (12.10 rootful
 * with an http check, 12.11 rootless with a command check run in that compose service's container).
 * Ports 19300–19399 and 19400–19449.
 */
import assert from "node:assert/strict";
import {
  containers,
  e2eGate,
  healthRecorded,
  hoist,
  http,
  IMAGE,
  prepare,
  Repo,
  sweep,
  type Who,
} from "./harness.ts";

const { ignore, why } = await e2eGate();

const PREFIX = "hlt-";

/** A busybox httpd service on `port` serving `page`; `before` runs first (`exit 3`: dies). */
function manifest(port: number, page: string, extra = "", before = ""): string {
  const run = `${before}mkdir -p /w && echo ${page} > /w/index.html && exec httpd -f -p 8080 -h /w`;
  return `Container:\n  Image: ${IMAGE}\n  Exec: sh -c "${run}"\n` +
    `  PublishPort: 127.0.0.1:${port}:8080\n${extra}`;
}

async function webContainer(who: Who, service = "web") {
  return (await containers(who)).find((c) =>
    c.labels["PODMAN_SYSTEMD_UNIT"] === `${PREFIX}${service}.service` && c.state === "running"
  );
}

Deno.test({
  name:
    "e2e 12.1 a commit whose container exits at once is rolled back, held back on the next apply, and a fix deploys (rootful)",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    await sweep("system", PREFIX);
    const port = 19301;
    const repo = await Repo.create("system", {
      "gitops/hlthost/config.yml": "services:\n  web: {}\n",
      "gitops/hlthost/web/manifest.yml": manifest(port, "v1"),
    });
    try {
      const config = await repo.config("hlthost", PREFIX);
      const db = `${repo.dir}/state/state.db`;
      const first = await hoist("system", ["apply", "--quiet", "--config", config]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.equal(await http(port), "v1");
      const good = healthRecorded(db, "web");
      assert.deepEqual(good.checks.map((c) => [c.phase, c.verdict]), [["deploy", "healthy"]]);
      const goodHash = good.checks[0]!.hash;

      await repo.write({ "gitops/hlthost/web/manifest.yml": manifest(port, "v2", "", "exit 3; ") });
      await repo.commit("web dies at once");
      const bad = await hoist("system", ["apply", "--config", config]);
      assert.equal(bad.code, 1, bad.stderr + bad.stdout);
      const line = new RegExp(
        `web: rolled back [0-9a-f]{8}… → ${goodHash.slice(0, 8)}… \\(.*\\)`,
      );
      assert.match(bad.stdout, line);
      assert.equal(await http(port), "v1", "the old page is served again");
      const after = healthRecorded(db, "web");
      const badHash = after.checks[1]?.hash ?? "";
      assert.notEqual(badHash, goodHash);
      assert.deepEqual(after.checks.map((c) => [c.phase, c.hash, c.verdict]), [
        ["deploy", goodHash, "healthy"],
        ["deploy", badHash, "unhealthy"],
        ["rollback", goodHash, "healthy"],
      ]);
      assert.ok(after.checks[1]?.deployment !== null, "the verdict belongs to its deployment");
      assert.deepEqual(after.rollbacks, [[badHash, goodHash, "rolled-back"]]);
      assert.deepEqual(after.failed, [badHash]);

      // the breaker: the same bad commit is not tried again, the rolled-back revision keeps running
      const running = await webContainer("system");
      const again = await hoist("system", ["apply", "--config", config]);
      assert.equal(again.code, 0, again.stderr + again.stdout);
      assert.match(
        again.stderr + again.stdout,
        new RegExp(
          `web: held back: hash ${badHash.slice(0, 12)} failed health at .*--retry-failed web`,
          "s",
        ),
      );
      assert.equal((await webContainer("system"))?.id, running?.id, "web was not restarted");
      assert.equal(
        healthRecorded(db, "web").checks.length,
        3,
        "no new verdict: nothing was deployed",
      );

      // hoist status shows the last verdict (the rollback's) and what the breaker holds back
      const status = await hoist("system", ["status", "--json", "--config", config]);
      assert.equal(status.code, 0, status.stderr + status.stdout);
      const row = JSON.parse(status.stdout).services.find((r: { service: string }) =>
        r.service === "web"
      );
      assert.deepEqual(
        [row?.health?.verdict, row?.health?.phase, row?.health?.hash, row?.heldBack?.hash],
        ["healthy", "rollback", goodHash, badHash],
      );
      const table = await hoist("system", ["status", "--config", config]);
      assert.match(table.stdout, new RegExp(`held back \\(${badHash.slice(0, 12)} failed\\)`));
      assert.match(
        table.stderr,
        new RegExp(`web: held back: hash ${badHash.slice(0, 12)} failed health at`),
      );

      // hoist history shows both revisions and the rollback
      const history = await hoist("system", ["history", "web", "--config", config]);
      assert.equal(history.code, 0, history.stderr);
      assert.match(history.stdout, new RegExp(`web ${badHash.slice(0, 12)} .*unhealthy`));
      assert.match(
        history.stdout,
        new RegExp(`web: rolled back ${badHash.slice(0, 12)} → ${goodHash.slice(0, 12)}`),
      );
      assert.match(history.stdout, new RegExp(`web ${goodHash.slice(0, 12)} .*healthy`));
      const json = JSON.parse(
        (await hoist("system", ["history", "web", "--json", "--limit", "1", "--config", config]))
          .stdout,
      );
      assert.equal(json.deployments.length, 1);
      assert.deepEqual(
        json.deployments[0].health.map((h: { type: string }) => h.type),
        ["check", "rollback", "check"],
      );

      // 12.5 --retry-failed tries the bad hash once more: rolled back again, held back after
      const retried = await hoist("system", ["apply", "--retry-failed", "web", "--config", config]);
      assert.equal(retried.code, 1, retried.stderr + retried.stdout);
      assert.match(retried.stdout, line);
      assert.equal(await http(port), "v1");
      assert.equal(healthRecorded(db, "web").rollbacks.length, 2);

      await repo.write({ "gitops/hlthost/web/manifest.yml": manifest(port, "v3") });
      await repo.commit("fix web");
      const fixed = await hoist("system", ["apply", "--quiet", "--config", config]);
      assert.equal(fixed.code, 0, fixed.stderr + fixed.stdout);
      assert.equal(await http(port), "v3");
      assert.equal(healthRecorded(db, "web").checks.at(-1)?.verdict, "healthy");

      // 12.6 hoist rollback web restores the previous healthy revision by hand
      const dry = await hoist("system", ["rollback", "web", "--dry-run", "--config", config]);
      assert.equal(dry.code, 0, dry.stderr + dry.stdout);
      assert.match(
        dry.stdout,
        new RegExp(`^web: would roll back [0-9a-f]{8}… → ${goodHash.slice(0, 8)}…$`, "m"),
      );
      assert.equal(await http(port), "v3", "a dry run changes nothing");
      const manual = await hoist("system", ["rollback", "web", "--config", config]);
      assert.equal(manual.code, 0, manual.stderr + manual.stdout);
      assert.match(
        manual.stdout,
        new RegExp(`web: rolled back [0-9a-f]{8}… → ${goodHash.slice(0, 8)}…`),
      );
      assert.equal(await http(port), "v1");
      // and the next apply keeps it there (the hash left is held back)
      const kept = await hoist("system", ["apply", "--config", config]);
      assert.equal(kept.code, 0, kept.stderr + kept.stdout);
      assert.match(kept.stderr + kept.stdout, /web: held back: .*rolled back by hand/);
      assert.equal(await http(port), "v1");
    } finally {
      await sweep("system", PREFIX);
      await repo.remove();
    }
  },
});

Deno.test({
  name:
    "e2e 12.2/12.3 a container whose HTTP HEALTHCHECK fails is rolled back; a slow starter inside its start period is kept (rootful)",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    await sweep("system", `${PREFIX}hc`);
    const port = 19302;
    const check = (path: string, extra = "") =>
      `  HealthCmd: wget -q -O /dev/null http://127.0.0.1:8080${path}\n  HealthInterval: 0\n${extra}`;
    const repo = await Repo.create("system", {
      "gitops/hlthost/config.yml": "services:\n  hcweb: {}\n",
      "gitops/hlthost/hcweb/manifest.yml": manifest(port, "v1", check("/")),
    });
    try {
      const config = await repo.config("hlthost", `${PREFIX}hc`);
      const db = `${repo.dir}/state/state.db`;
      const first = await hoist("system", ["apply", "--quiet", "--config", config]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.equal(await http(port), "v1");
      assert.deepEqual(
        healthRecorded(db, "hcweb").checks.map((c) => [c.verdict, c.reason]),
        [["healthy", "container passed after 1 probe(s)"]],
        "judged by the image's HEALTHCHECK, not by settle",
      );

      // 12.2 the server runs, but its HTTP check answers 404: unhealthy after 3 tries
      await repo.write({
        "gitops/hlthost/hcweb/manifest.yml": manifest(port, "v2", check("/healthz")),
      });
      await repo.commit("hcweb checks a page it does not serve");
      const bad = await hoist("system", ["apply", "--config", config]);
      assert.equal(bad.code, 1, bad.stderr + bad.stdout);
      assert.match(
        bad.stdout,
        /hcweb: rolled back [0-9a-f]{8}… → [0-9a-f]{8}… \(healthcheck unhealthy.* after 3 tries\)/,
      );
      assert.equal(await http(port), "v1");
      assert.deepEqual(healthRecorded(db, "hcweb").checks.map((c) => [c.phase, c.verdict]), [
        ["deploy", "healthy"],
        ["deploy", "unhealthy"],
        ["rollback", "healthy"],
      ]);

      // 12.3 a slow starter (8 s) whose check fails until then, inside its 60 s start period: kept
      await repo.write({
        "gitops/hlthost/hcweb/manifest.yml": manifest(
          port,
          "v3",
          check("/", "  HealthStartPeriod: 60s\n"),
          "sleep 8; ",
        ),
      });
      await repo.commit("hcweb starts slowly");
      const slow = await hoist("system", ["apply", "--config", config]);
      assert.equal(slow.code, 0, slow.stderr + slow.stdout);
      assert.equal(await http(port), "v3");
      const last = healthRecorded(db, "hcweb").checks.at(-1);
      assert.equal(last?.verdict, "healthy");
      assert.match(
        last?.reason ?? "",
        /^container passed after ([4-9]|\d\d+) probe\(s\)$/,
        "it failed probes first",
      );
    } finally {
      await sweep("system", `${PREFIX}hc`);
      await repo.remove();
    }
  },
});

Deno.test({
  name:
    "e2e 12.4/12.7 a Restart=always crash loop (never failed) is detected by its restart count and rolled back; api, changed in the same commit and healthy, keeps its new revision (rootless)",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    await sweep("user", PREFIX);
    const port = 19341;
    const apiPort = 19342;
    const always = "Service:\n  Restart: always\n  RestartSec: 1\n";
    const repo = await Repo.create("user", {
      "gitops/hlthost/config.yml": "services:\n  api: {}\n  web: {}\n",
      "gitops/hlthost/api/manifest.yml": manifest(apiPort, "api-v1"),
      "gitops/hlthost/web/manifest.yml": manifest(port, "v1", always),
    });
    try {
      const config = await repo.config("hlthost", PREFIX);
      const db = `${repo.dir}/state/state.db`;
      const first = await hoist("user", ["apply", "--quiet", "--config", config]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.equal(await http(port), "v1");
      // up for 3 s, then exit 1: systemd restarts it forever and the unit is never `failed`
      assert.equal(await http(apiPort), "api-v1");
      await repo.write({
        "gitops/hlthost/api/manifest.yml": manifest(apiPort, "api-v2"),
        "gitops/hlthost/web/manifest.yml": manifest(port, "v2", always, "sleep 3; exit 1; "),
      });
      await repo.commit("api v2 and a web that crash-loops");
      const bad = await hoist("user", ["apply", "--config", config]);
      assert.equal(bad.code, 1, bad.stderr + bad.stdout);
      assert.match(
        bad.stdout,
        /web: rolled back [0-9a-f]{8}… → [0-9a-f]{8}… \(.*(restart|auto-restart).*\)/,
      );
      assert.equal(await http(port), "v1");
      const after = healthRecorded(db, "web");
      assert.deepEqual(after.checks.map((c) => [c.phase, c.verdict]), [
        ["deploy", "healthy"],
        ["deploy", "unhealthy"],
        ["rollback", "healthy"],
      ]);
      assert.equal(after.rollbacks[0]?.[2], "rolled-back");
      // 12.7 only web went back: api serves its new page and is recorded healthy at its new hash
      assert.equal(await http(apiPort), "api-v2");
      assert.doesNotMatch(bad.stdout, /api: rolled back/);
      const api = healthRecorded(db, "api");
      assert.deepEqual(api.checks.map((c) => [c.phase, c.verdict]), [
        ["deploy", "healthy"],
        ["deploy", "healthy"],
      ]);
      assert.deepEqual(api.rollbacks, []);
    } finally {
      await sweep("user", PREFIX);
      await repo.remove();
    }
  },
});

Deno.test({
  name:
    "e2e 12.8 configured probes: an http check of config.yml answered 404 rolls web back; a tcp check and an agent-config command check keep their services; a compose healthcheck is the default check (rootful)",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    const prefix = `${PREFIX}pr-`;
    await sweep("system", prefix);
    const [web, db, job, cmp] = [19401, 19402, 19403, 19404];
    // a compose project's healthcheck: becomes HealthCmd=, which the default (auto) check runs
    const compose = (page: string) =>
      `services:\n  app:\n    image: ${IMAGE}\n    ports: ["127.0.0.1:${cmp}:8080"]\n` +
      `    command: ["sh", "-c", "mkdir -p /w && echo ${page} > /w/index.html && exec httpd -f -p 8080 -h /w"]\n` +
      `    healthcheck:\n      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]\n      interval: 1s\n`;
    const hostConfig = (path: string) =>
      "services:\n" +
      `  web:\n    health:\n      http: { url: "http://127.0.0.1:${web}${path}", status: 200, body: page }\n` +
      "      interval: 500ms\n      retries: 3\n      window: 30s\n" +
      `  db:\n    health: { tcp: "127.0.0.1:${db}", interval: 500ms }\n` +
      "  job: {}\n  cmp: {}\n";
    const repo = await Repo.create("system", {
      "gitops/hlthost/config.yml": hostConfig("/"),
      "gitops/hlthost/web/manifest.yml": manifest(web, "page-v1"),
      "gitops/hlthost/db/manifest.yml": manifest(db, "db-v1"),
      "gitops/hlthost/job/manifest.yml": manifest(job, "job-v1"),
      "gitops/hlthost/cmp/compose.yaml": compose("cmp-v1"),
    });
    try {
      const config = await repo.config("hlthost", prefix);
      // job's check comes from the agent config: config.yml says nothing about it
      await Deno.writeTextFile(
        config,
        '\n[services.job.health]\ncommand = ["test", "-s", "/w/index.html"]\ninterval = "500ms"\n',
        { append: true },
      );
      const state = `${repo.dir}/state/state.db`;
      const first = await hoist("system", ["apply", "--quiet", "--config", config]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.equal(await http(web), "page-v1");
      // a compose project is judged per compose service: the reason names it
      const probes = [["web", "http"], ["db", "tcp"], ["job", "command"], [
        "cmp",
        "app: container",
      ]];
      for (const [s = "", kind = ""] of probes) {
        const reasons = healthRecorded(state, s).checks.map((c) => c.reason);
        assert.equal(reasons.length, 1, s);
        // judged by its configured probe, not by settle (the first probes may come too early)
        assert.match(reasons[0] ?? "", new RegExp(`^${kind} passed after \\d+ probe\\(s\\)$`), s);
      }

      // web now checks a page it does not serve (404); db and job change and stay healthy
      await repo.write({
        "gitops/hlthost/config.yml": hostConfig("/healthz"),
        "gitops/hlthost/web/manifest.yml": manifest(web, "page-v2"),
        "gitops/hlthost/db/manifest.yml": manifest(db, "db-v2"),
        "gitops/hlthost/job/manifest.yml": manifest(job, "job-v2"),
      });
      await repo.commit("web checks /healthz, which it does not serve");
      const bad = await hoist("system", ["apply", "--config", config]);
      assert.equal(bad.code, 1, bad.stderr + bad.stdout);
      assert.match(
        bad.stdout,
        /web: rolled back [0-9a-f]{8}… → [0-9a-f]{8}… \(http 404 after 3 tries\)/,
      );
      assert.equal(await http(web), "page-v1", "the old page is served again");
      assert.deepEqual(healthRecorded(state, "web").checks.map((c) => [c.phase, c.verdict]), [
        ["deploy", "healthy"],
        ["deploy", "unhealthy"],
        ["rollback", "healthy"],
      ]);
      assert.equal(await http(db), "db-v2");
      assert.equal(await http(job), "job-v2");
      for (const s of ["db", "job"]) {
        const r = healthRecorded(state, s);
        assert.deepEqual(r.checks.map((c) => c.verdict), ["healthy", "healthy"], s);
        assert.deepEqual(r.rollbacks, [], s);
      }
    } finally {
      await sweep("system", prefix);
      await repo.remove();
    }
  },
});

Deno.test({
  name:
    "e2e 12.9 configured probes, rootless: a command check that fails rolls web back; a tcp check keeps api at its new revision",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    const prefix = `${PREFIX}pu-`;
    await sweep("user", prefix);
    const [web, api] = [19441, 19442];
    const hostConfig = (file: string) =>
      "services:\n" +
      `  web:\n    health:\n      command: [test, -f, ${file}]\n      interval: 500ms\n      retries: 2\n` +
      `  api:\n    health: { tcp: "127.0.0.1:${api}" }\n`;
    const repo = await Repo.create("user", {
      "gitops/hlthost/config.yml": hostConfig("/w/index.html"),
      "gitops/hlthost/web/manifest.yml": manifest(web, "v1"),
      "gitops/hlthost/api/manifest.yml": manifest(api, "api-v1"),
    });
    try {
      const config = await repo.config("hlthost", prefix);
      const state = `${repo.dir}/state/state.db`;
      const first = await hoist("user", ["apply", "--quiet", "--config", config]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.equal(await http(web), "v1");
      assert.match(
        healthRecorded(state, "web").checks[0]?.reason ?? "",
        /^command passed after \d+ probe/,
      );

      await repo.write({
        "gitops/hlthost/config.yml": hostConfig("/w/ready"),
        "gitops/hlthost/web/manifest.yml": manifest(web, "v2"),
        "gitops/hlthost/api/manifest.yml": manifest(api, "api-v2"),
      });
      await repo.commit("web waits for a file it never writes");
      const bad = await hoist("user", ["apply", "--config", config]);
      assert.equal(bad.code, 1, bad.stderr + bad.stdout);
      assert.match(
        bad.stdout,
        /web: rolled back [0-9a-f]{8}… → [0-9a-f]{8}… \(command exited 1 after 2 tries\)/,
      );
      assert.equal(await http(web), "v1");
      assert.equal(await http(api), "api-v2");
      const apiChecks = healthRecorded(state, "api").checks;
      assert.deepEqual(apiChecks.map((c) => c.verdict), ["healthy", "healthy"]);
      for (const c of apiChecks) assert.match(c.reason, /^tcp passed after \d+ probe/);
    } finally {
      await sweep("user", prefix);
      await repo.remove();
    }
  },
});

Deno.test({
  name:
    "e2e 12.10 health per compose service: an edit that makes one compose service fail its x-hoist http check rolls the project back, naming it; the other keeps serving and is not judged again (rootful)",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    const prefix = `${PREFIX}pc-`;
    await sweep("system", prefix);
    const [front, back] = [19421, 19422];
    const httpd = (page: string) =>
      `["sh", "-c", "mkdir -p /w && echo ${page} > /w/index.html && exec httpd -f -p 8080 -h /w"]`;
    // front: judged by its own healthcheck: (the default); back: by its x-hoist http check
    const compose = (backPage: string, backPath: string) =>
      `services:\n  front:\n    image: ${IMAGE}\n    ports: ["127.0.0.1:${front}:8080"]\n` +
      `    command: ${httpd("front-v1")}\n` +
      `    healthcheck:\n      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]\n      interval: 1s\n` +
      `  back:\n    image: ${IMAGE}\n    ports: ["127.0.0.1:${back}:8080"]\n` +
      `    command: ${httpd(backPage)}\n` +
      `    x-hoist:\n      health:\n        http: { url: "http://127.0.0.1:${back}${backPath}", status: 200 }\n` +
      "        interval: 500ms\n        retries: 3\n        window: 30s\n";
    const repo = await Repo.create("system", {
      "gitops/hlthost/config.yml": "services:\n  pair: {}\n",
      "gitops/hlthost/pair/compose.yaml": compose("back-v1", "/"),
    });
    const running = async (service: string) =>
      (await containers("system")).find((c) =>
        c.state === "running" && (c.labels["PODMAN_SYSTEMD_UNIT"] ?? "").startsWith(prefix) &&
        (c.labels["PODMAN_SYSTEMD_UNIT"] ?? "").endsWith(`-${service}.service`)
      );
    try {
      const config = await repo.config("hlthost", prefix);
      const state = `${repo.dir}/state/state.db`;
      const first = await hoist("system", ["apply", "--quiet", "--config", config]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.equal(await http(front), "front-v1");
      assert.equal(await http(back), "back-v1");
      const judged = healthRecorded(state, "pair").checks;
      assert.equal(judged.length, 1, JSON.stringify(judged));
      assert.equal(judged[0]?.verdict, "healthy");
      // each compose service by its own check, named
      assert.match(
        judged[0]?.reason ?? "",
        /^back: http passed after \d+ probe\(s\); front: container passed after \d+ probe\(s\)$/,
      );
      const goodHash = judged[0]?.hash ?? "";
      const frontBefore = await running("front");
      assert.ok(frontBefore !== undefined, "front runs");

      // back now serves v2 and its own check asks for a page it does not serve (404)
      await repo.write({ "gitops/hlthost/pair/compose.yaml": compose("back-v2", "/healthz") });
      await repo.commit("back checks /healthz, which it does not serve");
      let applying = true;
      const during = (async () => {
        // front keeps answering while back is judged and rolled back
        const seen: string[] = [];
        while (applying) {
          seen.push(await http(front, 5).catch((e) => `error: ${e}`));
          await new Promise((r) => setTimeout(r, 250));
        }
        return seen;
      })();
      const bad = await hoist("system", ["apply", "--config", config]).finally(() => {
        applying = false;
      });
      assert.equal(bad.code, 1, bad.stderr + bad.stdout);
      assert.match(
        bad.stdout,
        new RegExp(
          `pair: rolled back [0-9a-f]{8}… → ${
            goodHash.slice(0, 8)
          }… \\(back: http 404 after 3 tries\\)`,
        ),
      );
      assert.equal(await http(back), "back-v1", "the project is rolled back: back's old page");
      assert.equal(await http(front), "front-v1");
      const seen = await during;
      assert.ok(seen.length > 10 && seen.every((p) => p === "front-v1"), seen.join(", "));
      // neither the apply nor the rollback restarted front: the same container serves
      assert.equal((await running("front"))?.id, frontBefore.id);
      const after = healthRecorded(state, "pair");
      assert.deepEqual(after.checks.map((c) => [c.phase, c.verdict]), [
        ["deploy", "healthy"],
        ["deploy", "unhealthy"],
        ["rollback", "healthy"],
      ]);
      // only back restarted, so only back was judged: front is not named
      assert.equal(after.checks[1]?.reason, "back: http 404 after 3 tries");
      assert.deepEqual(after.rollbacks, [[after.checks[1]?.hash, goodHash, "rolled-back"]]);
    } finally {
      await sweep("system", prefix);
      await repo.remove();
    }
  },
});

Deno.test({
  name:
    "e2e 12.11 health per compose service, rootless: an x-hoist command check runs in its own compose service's container; an edit that fails it rolls the project back, the other container untouched",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (why !== undefined) throw new Error(`HOIST_E2E=required but ${why}`);
    await prepare();
    const prefix = `${PREFIX}pcu-`;
    await sweep("user", prefix);
    const [front, back] = [19423, 19424];
    const httpd = (page: string, ready: boolean) =>
      `["sh", "-c", "mkdir -p /w && echo ${page} > /w/index.html && ${
        ready ? "touch /w/ready && " : ""
      }exec httpd -f -p 8080 -h /w"]`;
    // only back's container has /w/ready: the check passes only when run in back's container
    const compose = (backPage: string, ready: boolean) =>
      `services:\n  front:\n    image: ${IMAGE}\n    ports: ["127.0.0.1:${front}:8080"]\n` +
      `    command: ${httpd("front-v1", false)}\n` +
      `  back:\n    image: ${IMAGE}\n    ports: ["127.0.0.1:${back}:8080"]\n` +
      `    command: ${httpd(backPage, ready)}\n` +
      "    x-hoist: { health: { command: [test, -f, /w/ready], interval: 500ms, retries: 2 } }\n";
    const repo = await Repo.create("user", {
      "gitops/hlthost/config.yml": "services:\n  pair: {}\n",
      "gitops/hlthost/pair/compose.yaml": compose("back-v1", true),
    });
    const running = async (service: string) =>
      (await containers("user")).find((c) =>
        c.state === "running" && (c.labels["PODMAN_SYSTEMD_UNIT"] ?? "").startsWith(prefix) &&
        (c.labels["PODMAN_SYSTEMD_UNIT"] ?? "").endsWith(`-${service}.service`)
      );
    try {
      const config = await repo.config("hlthost", prefix);
      const state = `${repo.dir}/state/state.db`;
      const first = await hoist("user", ["apply", "--quiet", "--config", config]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.equal(await http(back), "back-v1");
      const judged = healthRecorded(state, "pair").checks;
      assert.deepEqual(judged.map((c) => c.verdict), ["healthy"]);
      // front has no healthcheck: it is judged by settle
      assert.match(
        judged[0]?.reason ?? "",
        /^back: command passed after \d+ probe\(s\); front: up \d+s without a restart$/,
      );
      const frontBefore = await running("front");
      assert.ok(frontBefore !== undefined, "front runs");

      await repo.write({ "gitops/hlthost/pair/compose.yaml": compose("back-v2", false) });
      await repo.commit("back no longer writes /w/ready");
      const bad = await hoist("user", ["apply", "--config", config]);
      assert.equal(bad.code, 1, bad.stderr + bad.stdout);
      assert.match(
        bad.stdout,
        /pair: rolled back [0-9a-f]{8}… → [0-9a-f]{8}… \(back: command exited 1 after 2 tries\)/,
      );
      assert.equal(await http(back), "back-v1");
      assert.equal(await http(front), "front-v1");
      assert.equal((await running("front"))?.id, frontBefore.id);
      const after = healthRecorded(state, "pair");
      assert.deepEqual(after.checks.map((c) => [c.phase, c.verdict]), [
        ["deploy", "healthy"],
        ["deploy", "unhealthy"],
        ["rollback", "healthy"],
      ]);
      assert.deepEqual(after.rollbacks.map((r) => r[2]), ["rolled-back"]);
    } finally {
      await sweep("user", prefix);
      await repo.remove();
    }
  },
});
