/**
 * Notifications of the health gate: `rolled-back` for a service rolled back (not `failed`),
 * `held-back` once per (service, hash) while the breaker holds it. Pure: outcomes from the real
 * pipeline (tests/notify/fixtures.ts) with the gate's results added.
 */
import assert from "node:assert/strict";
import { deriveEvents, INITIAL_STATE, type NotifyState } from "../../lib/notify/events.ts";
import type { RunResult } from "../../lib/run/run_result.ts";
import type { Outcome } from "../../lib/run/outcome.ts";
import { applied, stopped, testConfig } from "../notify/fixtures.ts";
import { PURE } from "../support/pure.ts";

const AT = "2026-12-01T02:10:00.000Z";
const config = testConfig();
const OLD = "0123456789abcdef";
const BAD = "fedcba9876543210";

/** The fixture's run, with what the health gate and the breaker added. */
function withGate(run: Outcome<RunResult>, extra: Partial<RunResult>): Outcome<RunResult> {
  return run.ok ? { ok: true, value: { ...run.value, ...extra } } : run;
}

/** web failed health and went back to OLD (its restart is recorded failed, as the gate does). */
function rolledBack(result: "rolled-back" | "failed" = "rolled-back"): Outcome<RunResult> {
  const run = applied({ host: "empty" });
  if (!run.ok || run.value.applied === undefined) throw new Error("fixture");
  const line = result === "rolled-back"
    ? `web: rolled back ${BAD.slice(0, 8)}… → ${OLD.slice(0, 8)}… (http 503 after 3 tries)`
    : `web: rolled back … (http 503 after 3 tries); the rollback failed too (restart failed): down`;
  return withGate(run, {
    applied: {
      ...run.value.applied,
      failed: true,
      actions: [...run.value.applied.actions, {
        kind: "restart",
        service: "web",
        unit: "gitops-web.service",
        reason: `rollback to ${OLD.slice(0, 12)} after failed health`,
        result: "failed",
        error: line,
      }],
    },
    rolledBack: [line],
    rollbacks: [{
      service: "web",
      fromHash: BAD,
      toHash: OLD,
      at: AT,
      reason: "http 503 after 3 tries",
      result,
    }],
  });
}

const held = (hash = BAD) =>
  withGate(applied({ host: "deployed" }), {
    heldBack: [{ service: "web", hash, at: AT, reason: "http 503 after 3 tries" }],
  });

function run(runs: readonly Outcome<RunResult>[], before: NotifyState = INITIAL_STATE) {
  let state = before;
  let events: ReturnType<typeof deriveEvents>["events"] = [];
  for (const r of runs) {
    ({ events, state } = deriveEvents(config, r, state, { fetchFailures: 3, at: AT }));
  }
  return { events, state };
}

Deno.test({
  name:
    "deriveEvents(): a rolled-back service is rolled-back with the gate's line, not failed; db deploys",
  permissions: PURE,
  fn() {
    const { events, state } = run([rolledBack()]);
    assert.deepEqual(events.map((e) => [e.kind, e.service, e.summary]), [
      ["rolled-back", "web", "rolled back fedcba98… → 01234567… (http 503 after 3 tries)"],
      ["deployed", "db", events[1]?.summary],
    ]);
    assert.equal(events[0]?.source, "main");
    assert.equal(state.failing, true, "the next good run is a recovery");
    assert.deepEqual(run([rolledBack(), applied({ host: "deployed" })]).events.map((e) => e.kind), [
      "recovered",
    ]);
  },
});

Deno.test({
  name: "deriveEvents(): a rollback that failed too stays failed (the service is down)",
  permissions: PURE,
  fn() {
    const { events } = run([rolledBack("failed")]);
    assert.deepEqual(events.filter((e) => e.service === "web").map((e) => e.kind), ["failed"]);
    assert.match(events.find((e) => e.service === "web")?.summary ?? "", /the rollback failed too/);
  },
});

Deno.test({
  name:
    "deriveEvents(): held-back is told once per hash while held, again for a new hash or a new hold",
  permissions: PURE,
  fn() {
    const first = run([held()]);
    assert.deepEqual(first.events.map((e) => [e.kind, e.service]), [["held-back", "web"]]);
    assert.equal(
      first.events[0]?.summary,
      `held back: hash ${
        BAD.slice(0, 12)
      } failed health at ${AT} (http 503 after 3 tries); fix it in a new commit or run hoist apply --retry-failed web`,
    );
    assert.deepEqual(first.state.heldBack, { web: BAD });
    assert.deepEqual(run([held()], first.state).events, [], "the next run tells nothing new");
    const lock = stopped("lock-busy", "another apply runs");
    const source = stopped("source-failed", "git fetch failed");
    assert.deepEqual(
      run([source, held()], first.state).events.map((e) => e.kind),
      [],
      "a failed fetch in between forgets nothing: web is not told again",
    );
    assert.deepEqual(run([lock], first.state).state.heldBack, { web: BAD });
    const other = "aaaaaaaaaaaaaaaa";
    assert.deepEqual(run([held(other)], first.state).events.map((e) => e.kind), ["held-back"]);
    const released = run([applied({ host: "deployed" })], first.state);
    assert.equal(released.state.heldBack, undefined, "no longer held: forgotten");
    assert.deepEqual(run([held()], released.state).events.map((e) => e.kind), ["held-back"]);
  },
});
