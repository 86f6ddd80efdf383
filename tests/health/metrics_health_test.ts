/**
 * The health gate and rollout in the metrics: rollbacks counted by service and result, the
 * breaker's hold and a waiting rollout as gauges (a canary's rollback shows before the fleet
 * moves). Pure: facts from the real pipeline (tests/notify/fixtures.ts).
 */
import assert from "node:assert/strict";
import { Metrics } from "../../lib/server/metrics.ts";
import { runFacts } from "../../lib/server/run_facts.ts";
import { applied, testConfig } from "../notify/fixtures.ts";
import { PURE } from "../support/pure.ts";

const AT = new Date("2026-12-01T12:00:00Z");

Deno.test({
  name: "runFacts() and the metrics carry rollbacks, held-back services and a waiting rollout",
  permissions: PURE,
  async fn() {
    const base = applied({ host: "deployed" });
    assert.ok(base.ok);
    const rolled = {
      ok: true as const,
      value: {
        ...base.value,
        rollbacks: [{
          service: "web",
          fromHash: "b",
          toHash: "a",
          at: "t",
          reason: "http 503 after 3 tries",
          result: "rolled-back" as const,
        }],
        heldBack: [{ service: "db", hash: "c", at: "t", reason: "exited" }],
      },
    };
    const facts = runFacts(testConfig(), rolled);
    assert.deepEqual(
      [facts.rollbacks, facts.heldBack, facts.waiting],
      [[{ service: "web", result: "rolled-back" }], ["db"], false],
    );
    for (const mode of ["server", "textfile"] as const) {
      const m = new Metrics(mode);
      m.run({ trigger: "schedule", seconds: 1, at: AT, facts });
      m.run({
        trigger: "schedule",
        seconds: 1,
        at: AT,
        facts: runFacts(testConfig(), {
          ok: true,
          value: { ...rolled.value, rollbacks: [], waiting: { reason: "waiting for window" } },
        }),
      });
      const text = await m.text();
      assert.equal(
        runFacts(testConfig(), {
          ok: true,
          value: { ...base.value, waiting: { reason: "waiting for window Sat 00:00-24:00 (…)" } },
        }).summary.message,
        "waiting for window Sat 00:00-24:00 (…)",
        "a waiting run does not say no changes",
      );
      assert.match(text, /^hoist_service_held_back\{service="db"\} 1$/m, mode);
      assert.match(text, /^hoist_service_held_back\{service="web"\} 0$/m, mode);
      assert.match(text, /^hoist_rollout_waiting 1$/m, mode);
      if (mode === "server") {
        assert.match(
          text,
          /^hoist_health_rollbacks_total\{service="web",result="rolled-back"\} 1$/m,
        );
      } else {assert.doesNotMatch(
          text,
          /hoist_health_rollbacks_total\{/,
          "no counters in a textfile",
        );}
    }
  },
});
