/** The run queue: one run at a time, triggers during a run folded into one follow-up. */
import assert from "node:assert/strict";
import {
  KEPT_RUNS,
  RunQueue,
  type RunRequest,
  type RunSummary,
} from "../../lib/server/run_queue.ts";

const clock = () => new Date("2026-12-01T12:00:00Z");

/** An executor whose runs finish when the test says so. */
function gatedExecutor() {
  const started: RunRequest[] = [];
  const gates: ((s: RunSummary) => void)[] = [];
  const execute = (r: RunRequest) =>
    new Promise<RunSummary>((resolve) => {
      started.push(r);
      gates.push(resolve);
    });
  const finish = async (result: RunSummary["result"] = "no-change") => {
    const gate = gates.shift();
    assert.ok(gate, "a run is in progress");
    gate({ result, message: result });
    await new Promise((r) => setTimeout(r, 0));
  };
  return { started, execute, finish };
}

Deno.test({
  name: "RunQueue: 20 triggers during a run become exactly one follow-up run",
  permissions: "none",
  async fn() {
    const ex = gatedExecutor();
    const q = new RunQueue(ex.execute, clock);
    const first = q.enqueue("webhook", []);
    assert.deepEqual(first, { ok: true, id: "r1", coalesced: false });
    const later = Array.from(
      { length: 20 },
      (_, i) => q.enqueue(i % 2 ? "webhook" : "schedule", []),
    );
    assert.deepEqual(later[0], { ok: true, id: "r2", coalesced: false });
    for (const e of later.slice(1)) assert.deepEqual(e, { ok: true, id: "r2", coalesced: true });
    assert.equal(ex.started.length, 1);
    await ex.finish();
    assert.equal(ex.started.length, 2, "the follow-up starts when the first run ends");
    assert.deepEqual(ex.started[1]?.triggers, ["schedule", "webhook"]);
    await ex.finish();
    assert.equal(ex.started.length, 2, "nothing else was queued");
    assert.equal(q.get("r1")?.state, "done");
    assert.equal(q.get("r2")?.state, "done");
    assert.equal(q.busy, false);
  },
});

Deno.test({
  name: "RunQueue: services to pull are merged into the pending run",
  permissions: "none",
  async fn() {
    const ex = gatedExecutor();
    const q = new RunQueue(ex.execute, clock);
    q.enqueue("webhook", ["web"]);
    q.enqueue("webhook", ["api"]);
    q.enqueue("webhook", ["db", "api"]);
    assert.deepEqual(ex.started[0]?.pull, ["web"]);
    await ex.finish();
    assert.deepEqual(ex.started[1]?.pull, ["api", "db"]);
    await ex.finish();
  },
});

Deno.test({
  name:
    "RunQueue: close() refuses new triggers, cancels the follow-up and waits for the running run",
  permissions: "none",
  async fn() {
    const ex = gatedExecutor();
    const q = new RunQueue(ex.execute, clock);
    q.enqueue("webhook", []);
    q.enqueue("webhook", []);
    let closed = false;
    const closing = q.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(closed, false, "close waits for the running run");
    assert.deepEqual(q.enqueue("webhook", []), { ok: false, reason: "hoist serve is stopping" });
    await ex.finish("changed");
    await closing;
    assert.equal(ex.started.length, 1);
    assert.equal(q.get("r1")?.summary?.result, "changed");
    assert.equal(q.get("r2")?.state, "cancelled");
  },
});

Deno.test({
  name: "RunQueue: a run that throws is recorded as an error and the queue goes on",
  permissions: "none",
  async fn() {
    let n = 0;
    const q = new RunQueue(() => {
      n++;
      return n === 1
        ? Promise.reject(new Error("boom"))
        : Promise.resolve({ result: "no-change", message: "ok" });
    }, clock);
    q.enqueue("api", []);
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(q.get("r1")?.summary, { result: "error", message: "the run failed: boom" });
    q.enqueue("api", []);
    await q.close();
    assert.equal(q.get("r2")?.summary?.result, "no-change");
  },
});

Deno.test({
  name: `RunQueue keeps the last ${KEPT_RUNS} finished runs`,
  permissions: "none",
  async fn() {
    const q = new RunQueue(() => Promise.resolve({ result: "no-change", message: "ok" }), clock);
    for (let i = 0; i < KEPT_RUNS + 50; i++) {
      q.enqueue("schedule", []);
      await new Promise((r) => setTimeout(r, 0));
    }
    await q.close();
    assert.equal(q.get("r1"), undefined);
    assert.equal(q.get("r50"), undefined);
    assert.equal(q.get("r51")?.state, "done");
    assert.equal(q.recent(1000).length, KEPT_RUNS);
    assert.equal(q.recent(1)[0]?.id, `r${KEPT_RUNS + 50}`);
  },
});
