import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openStore } from "../../lib/state/store.ts";
import { SCHEMA_VERSION } from "../../lib/state/schema.ts";
import type { HealthyRevision } from "../../lib/health/types.ts";

const good = (hash: string, at: string): HealthyRevision => ({
  service: "web",
  hash,
  revision: `rev-${hash}`,
  at,
  units: [{
    path: "gitops-web.container",
    serviceUnit: "gitops-web.service",
    content: `[Container]\nImage=${hash}\n`,
  }],
  inputs: { "manifest.yml": `d-${hash}` },
  serviceUnits: ["gitops-web.service"],
  dir: `/var/lib/hoist/services/web/${hash}`,
});

Deno.test("recordHealth() keeps verdicts and rollbacks with their deployment, and the breaker's hashes", () => {
  const store = openStore(":memory:");
  const id = store.recordDeployment({
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:30.000Z",
    host: "pi",
    revision: "rev-bad",
    status: "failed",
    actions: [],
    inventory: { upsertUnits: [], deleteUnits: [], upsertServices: [], deleteServices: [] },
  });
  store.recordHealth(undefined, {
    checks: [],
    rollbacks: [],
    healthy: [good("aaa", "2026-01-01T00:00:00Z")],
    failed: [],
  });
  store.recordHealth(id, {
    checks: [
      {
        service: "web",
        hash: "bad",
        revision: "rev-bad",
        phase: "deploy",
        probe: "http",
        verdict: "unhealthy",
        reason: "http 503 after 3 tries",
        startedAt: "2026-01-01T00:00:01.000Z",
        finishedAt: "2026-01-01T00:00:09.000Z",
        probes: 3,
      },
      {
        service: "web",
        hash: "aaa",
        revision: "rev-aaa",
        phase: "rollback",
        probe: "http",
        verdict: "healthy",
        reason: "http passed after 1 probe(s)",
        startedAt: "2026-01-01T00:00:10.000Z",
        finishedAt: "2026-01-01T00:00:11.000Z",
        probes: 1,
      },
    ],
    rollbacks: [{
      service: "web",
      fromHash: "bad",
      toHash: "aaa",
      toRevision: "rev-aaa",
      at: "2026-01-01T00:00:10.000Z",
      reason: "http 503 after 3 tries",
      result: "rolled-back",
    }],
    healthy: [],
    failed: [{
      service: "web",
      hash: "bad",
      at: "2026-01-01T00:00:09.000Z",
      reason: "http 503 after 3 tries",
    }],
  });
  assert.deepEqual(store.failedHashes(), [
    {
      service: "web",
      hash: "bad",
      at: "2026-01-01T00:00:09.000Z",
      reason: "http 503 after 3 tries",
    },
  ]);
  assert.deepEqual(store.healthyRevisions("web"), [good("aaa", "2026-01-01T00:00:00Z")]);
  const history = store.healthHistory("web", 10);
  assert.deepEqual(
    history.map((h) => [h.type, h.deploymentId, h.type === "check" ? h.verdict : h.result]),
    [
      ["check", id, "healthy"],
      ["rollback", id, "rolled-back"],
      ["check", id, "unhealthy"],
    ],
  );
  assert.deepEqual(store.healthHistory("db", 10), []);
  assert.equal(store.healthHistory(undefined, 1).length, 1);
  // the hash passes later (--retry-failed): its breaker entry goes, it becomes a rollback target
  store.recordHealth(undefined, {
    checks: [],
    rollbacks: [],
    healthy: [good("bad", "2026-01-02T00:00:00Z")],
    failed: [],
  });
  assert.deepEqual(store.failedHashes(), []);
  assert.deepEqual(store.healthyRevisions().map((h) => h.hash), ["bad", "aaa"]);
  // and when it fails again it is no rollback target any more
  store.recordHealth(undefined, {
    checks: [],
    rollbacks: [],
    healthy: [],
    failed: [{ service: "web", hash: "bad", at: "2026-01-03T00:00:00Z", reason: "x" }],
  });
  assert.deepEqual(store.healthyRevisions().map((h) => h.hash), ["aaa"]);
  store.close();
});

Deno.test("a state.db of schema version 2 gains the health tables and keeps its rows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = openStore(`${dir}/state.db`);
    first.recordEvent("2026-01-01T00:00:00Z", "x", "kept");
    first.close();
    const old = new DatabaseSync(`${dir}/state.db`);
    old.exec(
      "DROP TABLE health_checks; DROP TABLE rollbacks; DROP TABLE healthy_revisions; DROP TABLE failed_hashes; PRAGMA user_version = 2;",
    );
    old.close();
    const store = openStore(`${dir}/state.db`);
    assert.deepEqual(store.events(5).map((e) => e.message), ["kept"]);
    assert.deepEqual(store.failedHashes(), []);
    store.close();
    const db = new DatabaseSync(`${dir}/state.db`);
    assert.equal(db.prepare("PRAGMA user_version").get()?.user_version, SCHEMA_VERSION);
    assert.ok(SCHEMA_VERSION >= 3);
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a healthy_revisions row that is not what hoist writes is a state-failed error naming it", () => {
  const store = openStore(":memory:");
  store.recordHealth(undefined, {
    checks: [],
    rollbacks: [],
    healthy: [{ ...good("aaa", "t"), units: [] }],
    failed: [],
  });
  store.close();
  const dir = Deno.makeTempDirSync();
  try {
    const s = openStore(`${dir}/state.db`);
    s.close();
    const db = new DatabaseSync(`${dir}/state.db`);
    db.prepare(
      "INSERT INTO healthy_revisions VALUES ('web', 'h', 'r', 't', '[1]', '{}', '[]', NULL)",
    ).run();
    db.close();
    const again = openStore(`${dir}/state.db`);
    assert.throws(
      () => again.healthyRevisions("web"),
      /row "web h" of table healthy_revisions is corrupt \(units/,
    );
    again.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("pruneDeployments() keeps the newest N deployments with their actions and health rows", () => {
  const store = openStore(":memory:");
  const ids = [1, 2, 3, 4].map((n) =>
    store.recordDeployment({
      startedAt: `2026-01-0${n}T00:00:00.000Z`,
      finishedAt: `2026-01-0${n}T00:00:01.000Z`,
      host: "pi",
      revision: `rev${n}`,
      status: "ok",
      actions: [{
        kind: "restart",
        service: "web",
        unit: "web.service",
        reason: "r",
        result: "ok",
      }],
      inventory: { upsertUnits: [], deleteUnits: [], upsertServices: [], deleteServices: [] },
    })
  );
  for (const id of ids) {
    store.recordHealth(id, {
      checks: [{
        service: "web",
        hash: `h${id}`,
        revision: `rev${id}`,
        phase: "deploy",
        probe: "settle",
        verdict: "healthy",
        reason: "up",
        startedAt: "t",
        finishedAt: `t${id}`,
        probes: 0,
      }],
      rollbacks: [],
      healthy: [],
      failed: [],
    });
  }
  assert.equal(store.pruneDeployments(2), 2);
  assert.deepEqual(store.deployments(10).map((d) => [d.revision, d.actions]), [["rev4", 1], [
    "rev3",
    1,
  ]]);
  assert.deepEqual(store.healthHistory(undefined, 10).map((h) => h.deploymentId), [ids[3], ids[2]]);
  assert.equal(store.pruneDeployments(2), 0);
  assert.equal(store.pruneDeployments(200), 0);
  store.close();
});

Deno.test("pruneDeployments() keeps each service's newest N healthy revisions, whatever the deployments", () => {
  const store = openStore(":memory:");
  const api = (hash: string, at: string): HealthyRevision => ({
    ...good(hash, at),
    service: "api",
  });
  store.recordHealth(undefined, {
    checks: [],
    rollbacks: [],
    healthy: [
      good("w1", "2026-01-01T00:00:00Z"),
      good("w3", "2026-01-03T00:00:00Z"),
      good("w2", "2026-01-02T00:00:00Z"),
      api("a1", "2026-01-01T00:00:00Z"),
    ],
    failed: [],
  });
  assert.equal(store.pruneDeployments(2), 0, "no deployment to prune");
  assert.deepEqual(store.healthyRevisions("web").map((h) => h.hash), ["w3", "w2"]);
  assert.deepEqual(store.healthyRevisions("api").map((h) => h.hash), ["a1"]);
  store.close();
});

Deno.test("a removed service's healthy revisions go with it; another service's stay", () => {
  // added back later (perhaps with another `user =`), it must not be rolled back into a revision
  // whose copy is pruned and that ran under another manager
  const store = openStore(":memory:");
  const db = { ...good("ddd", "2026-01-01T00:00:00Z"), service: "db" };
  store.recordHealth(undefined, {
    checks: [],
    rollbacks: [],
    healthy: [good("aaa", "2026-01-01T00:00:00Z"), db],
    failed: [],
  });
  store.recordDeployment({
    startedAt: "2026-01-02T00:00:00.000Z",
    finishedAt: "2026-01-02T00:00:01.000Z",
    host: "pi",
    revision: "rev2",
    status: "ok",
    actions: [],
    inventory: {
      upsertUnits: [],
      deleteUnits: ["gitops-web.container"],
      upsertServices: [],
      deleteServices: ["web"],
    },
  });
  assert.deepEqual(store.healthyRevisions("web"), []);
  assert.deepEqual(store.healthyRevisions("db").map((h) => h.hash), ["ddd"]);
  store.close();
});
