/**
 * renderPlanText() bounds the work of a unit diff: past MAX_EDIT_LENGTH changed lines it says how
 * many lines changed instead of diffing (issue 9 class 8: a 12k-line change took ~18 s).
 */
import assert from "node:assert/strict";
import type { Action, Plan } from "../../lib/reconcile/types.ts";
import { MAX_EDIT_LENGTH, renderPlanText } from "../../lib/render/plan_text.ts";

function lines(n: number, value: (i: number) => string): string {
  return `[Container]\nImage=a\n${
    Array.from({ length: n }, (_, i) => `Environment=V${i}=${value(i)}`).join("\n")
  }\n[Install]\nWantedBy=default.target\n`;
}

function writePlan(previous: string, content: string): Plan {
  const write: Action = {
    kind: "write",
    service: "web",
    unit: "gitops-web.container",
    content,
    previous,
    serviceUnit: "gitops-web.service",
    code: "content-changed",
    reason: "content changed",
  };
  return {
    revision: "r",
    host: "h",
    actions: [write],
    consequences: [],
    inventory: [],
    problems: [],
    blocked: false,
  };
}

Deno.test({
  name: "renderPlanText() shows a line count instead of the diff of a 12k-line unit rewritten",
  permissions: "none",
  fn() {
    const before = lines(12_000, (i) => `old${i}`);
    const after = lines(12_000, (i) => `new${i}`);
    const text = renderPlanText(writePlan(before, after), { color: false });
    assert.match(text, /\n {4}\(diff not shown: 24000 lines changed, -12000 \+12000\)\n/);
    assert.doesNotMatch(text, /@@|Environment=V1=/);
  },
});

Deno.test({
  name: "renderPlanText() still diffs one changed line of a 12k-line unit, and small rewrites",
  permissions: "none",
  fn() {
    const before = lines(12_000, (i) => `v${i}`);
    const after = lines(12_000, (i) => (i === 6000 ? "changed" : `v${i}`));
    const text = renderPlanText(writePlan(before, after), { color: false });
    assert.match(text, /\n {4}-Environment=V6000=v6000\n {4}\+Environment=V6000=changed\n/);
    const small = Math.floor(MAX_EDIT_LENGTH / 4);
    const rewritten = renderPlanText(
      writePlan(lines(small, (i) => `a${i}`), lines(small, (i) => `b${i}`)),
      { color: false },
    );
    assert.match(rewritten, /\+Environment=V0=b0\n/);
  },
});
