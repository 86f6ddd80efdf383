import assert from "node:assert/strict";
import { acquireLock } from "../../lib/adapters/lock.ts";
import { DatabaseSync } from "node:sqlite";
import { type DeploymentRecord, openStore } from "../../lib/state/store.ts";
import { SCHEMA_VERSION } from "../../lib/state/schema.ts";

const deployment = (over: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:01.000Z",
  host: "pi",
  revision: "abc",
  status: "ok",
  actions: [{
    kind: "write",
    service: "web",
    unit: "gitops-web.container",
    reason: "new unit",
    result: "ok",
  }],
  inventory: {
    upsertUnits: [{
      path: "gitops-web.container",
      service: "web",
      serviceUnit: "gitops-web.service",
    }],
    deleteUnits: [],
    upsertServices: [{
      name: "web",
      hash: "h1",
      inputs: { "manifest.yml": "d1" },
      serviceUnits: ["gitops-web.service"],
      revision: "abc",
      changedAt: "2026-01-01T00:00:00.000Z",
    }],
    deleteServices: [],
  },
  ...over,
});

Deno.test("openStore() records a deployment with its actions and inventory, and reads it back", () => {
  const store = openStore(":memory:");
  const id = store.recordDeployment(deployment());
  const inv = store.loadInventory();
  assert.deepEqual([...inv.units.keys()], ["gitops-web.container"]);
  assert.equal(inv.services.get("web")?.hash, "h1");
  assert.deepEqual(inv.services.get("web")?.inputs, { "manifest.yml": "d1" });
  const [row] = store.deployments(10);
  assert.equal(row?.id, id);
  assert.equal(row?.actions, 1);
  assert.equal(row?.status, "ok");
  store.close();
});

Deno.test("openStore() deletes services and units a later deployment removed", () => {
  const store = openStore(":memory:");
  store.recordDeployment(deployment());
  store.recordDeployment(deployment({
    revision: "def",
    inventory: {
      upsertUnits: [],
      deleteUnits: ["gitops-web.container"],
      upsertServices: [],
      deleteServices: ["web"],
    },
  }));
  const inv = store.loadInventory();
  assert.equal(inv.units.size, 0);
  assert.equal(inv.services.size, 0);
  assert.deepEqual(store.deployments(10).map((d) => d.revision), ["def", "abc"]);
  store.close();
});

Deno.test("openStore() keeps the inventory unchanged when recording fails half-way (one transaction)", () => {
  const store = openStore(":memory:");
  store.recordDeployment(deployment());
  const broken = deployment({
    inventory: { ...deployment().inventory, deleteUnits: ["gitops-web.container"] },
    // two actions with the same seq cannot happen; a NOT NULL violation can: unit undefined
    actions: [{
      kind: "write",
      service: "web",
      unit: undefined as unknown as string,
      reason: "",
      result: "ok",
    }],
  });
  assert.throws(() => store.recordDeployment(broken));
  assert.deepEqual([...store.loadInventory().units.keys()], ["gitops-web.container"]);
  assert.equal(store.deployments(10).length, 1);
  store.close();
});

Deno.test("openStore() persists to a file across openings and records events", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = openStore(`${dir}/state.db`);
    a.recordDeployment(deployment());
    a.recordEvent("2026-01-01T00:00:00.000Z", "source-failed", "cannot fetch");
    a.close();
    const b = openStore(`${dir}/state.db`);
    assert.equal(b.loadInventory().services.get("web")?.hash, "h1");
    assert.deepEqual(b.events(5).map((e) => e.kind), ["source-failed"]);
    b.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openStore() records each source's committer time and reads it back; an unknown one stays absent", () => {
  const store = openStore(":memory:");
  const row = {
    source: "main",
    policy: "p1",
    signer: "ssh SHA256:x alice",
    deployedAt: "2026-01-01T00:00:00.000Z",
  };
  store.recordSources([
    { ...row, branch: "main", commit: "a".repeat(40), committedAt: 1_767_225_600 },
    { ...row, branch: "web", commit: "b".repeat(40) },
  ]);
  const last = store.lastDeployed("main");
  assert.equal(last.get("main")?.committedAt, 1_767_225_600);
  assert.equal(last.get("web")?.commit, "b".repeat(40));
  assert.ok(!("committedAt" in (last.get("web") ?? {})));
  store.recordDeployment(
    deployment({ sources: [{ ...row, branch: "web", commit: "c".repeat(40), committedAt: 5 }] }),
  );
  assert.equal(store.lastDeployed("main").get("web")?.committedAt, 5);
  store.close();
});

Deno.test("openStore() upgrades a state.db written before committer times were kept, keeping its rows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // the sources table and version as hoist wrote them before (schema version 1)
    const old = new DatabaseSync(`${dir}/state.db`);
    old.exec(`CREATE TABLE sources (
      source TEXT NOT NULL, branch TEXT NOT NULL, commit_id TEXT NOT NULL, signer TEXT NOT NULL,
      policy TEXT NOT NULL, deployed_at TEXT NOT NULL, PRIMARY KEY (source, branch));
      PRAGMA user_version = 1;`);
    old.prepare("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?)").run(
      "main",
      "main",
      "a".repeat(40),
      "ssh SHA256:x alice",
      "p1",
      "2025-06-01T00:00:00.000Z",
    );
    old.close();
    const store = openStore(`${dir}/state.db`);
    const before = store.lastDeployed("main").get("main");
    assert.equal(before?.commit, "a".repeat(40));
    assert.equal(before?.signer, "ssh SHA256:x alice");
    assert.equal(before?.committedAt, undefined);
    assert.ok(before);
    store.recordSources([{ ...before, commit: "b".repeat(40), committedAt: 1_767_225_600 }]);
    store.close();
    // opened again (already upgraded): the time is kept, the version is the current one
    const again = openStore(`${dir}/state.db`);
    assert.equal(again.lastDeployed("main").get("main")?.committedAt, 1_767_225_600);
    again.close();
    const db = new DatabaseSync(`${dir}/state.db`);
    assert.equal(db.prepare("PRAGMA user_version").get()?.user_version, SCHEMA_VERSION);
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("acquireLock() makes a second holder wait, then fail with lock-busy naming the pid", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A second process holds the lock: flock is per open file description, so use a real process.
    const holder = new Deno.Command("flock", {
      args: ["--no-fork", `${dir}/lock`, "sleep", "5"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(() => acquireLock(`${dir}/lock`, 300), (e: Error & { code?: string }) => {
      assert.equal(e.code, "lock-busy");
      assert.match(e.message, /another hoist apply is running/);
      return true;
    });
    holder.kill("SIGKILL");
    await holder.status;
    // (the timed-out attempt above may still be pending inside this process, so take a fresh file)
    const release = await acquireLock(`${dir}/lock2`, 1000);
    assert.match(await Deno.readTextFile(`${dir}/lock2`), new RegExp(`^${Deno.pid}\\n$`));
    release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
