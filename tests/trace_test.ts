import assert from "node:assert/strict";
import { enableTrace, mark, traceLines } from "../lib/trace.ts";

// one file, run in order: tracing is off until the second test turns it on

Deno.test({
  name: "mark() records nothing and builds no label while tracing is off",
  permissions: "none",
  fn() {
    let built = 0;
    mark("config parsed");
    mark(() => `spawn git fetch ${++built}`);
    assert.deepEqual(built, 0);
    assert.deepEqual(traceLines(), []);
  },
});

Deno.test({
  name: "traceLines() gives each mark in order with its time and the time since the previous one",
  permissions: "none",
  fn() {
    enableTrace();
    mark("config parsed");
    mark(() => "spawn git fetch");
    const lines = traceLines();
    assert.deepEqual(lines.length, 2);
    for (const [i, phase] of ["config parsed", "spawn git fetch"].entries()) {
      assert.match(lines[i]!, /^hoist-trace +\d+\.\d ms +\+\d+\.\d {2}/);
      assert.deepEqual(lines[i]!.split("  ").pop(), phase);
    }
    const at = lines.map((l) => Number(/^hoist-trace +([\d.]+) ms/.exec(l)![1]));
    const since = lines.map((l) => Number(/\+([\d.]+)/.exec(l)![1]));
    assert.deepEqual(since[0], at[0]);
    assert.ok(Math.abs(since[1]! - (at[1]! - at[0]!)) <= 0.11);
  },
});
