/**
 * plan text and JSON name the account an action acts for (`user =`): whose folder a file is
 * written to, whose manager reloads and starts. Permissions "none".
 */
import assert from "node:assert/strict";
import type { Plan } from "../../lib/reconcile/types.ts";
import { planJson } from "../../lib/render/plan_json.ts";
import { renderPlanText } from "../../lib/render/plan_text.ts";

const PLAN: Plan = {
  revision: "r1",
  host: "h",
  actions: [
    {
      kind: "write",
      service: "web",
      unit: "gitops-web.container",
      content: "[Container]\nImage=web:1\n",
      previous: null,
      serviceUnit: "gitops-web.service",
      user: "e2e",
      code: "new-unit",
      reason: "new unit",
    },
    {
      kind: "daemon-reload",
      waitFor: ["gitops-web.service"],
      user: "e2e",
      code: "units-changed",
      reason: "unit files of e2e changed",
    },
    {
      kind: "start",
      service: "web",
      units: ["gitops-web.service"],
      user: "e2e",
      code: "new-service",
      reason: "new service",
    },
  ],
  consequences: [],
  inventory: [],
  problems: [],
  blocked: false,
};

Deno.test({
  name: "renderPlanText() names the account of each action for another account",
  permissions: "none",
  fn() {
    const lines = renderPlanText(PLAN, { color: false }).split("\n");
    assert.ok(
      lines.includes("+ write gitops-web.container (web, as e2e): new unit"),
      lines.join("\n"),
    );
    assert.ok(lines.includes("~ daemon-reload (e2e's manager): unit files of e2e changed"));
    assert.ok(lines.includes("+ start gitops-web.service (web, as e2e): new service"));
  },
});

Deno.test({
  name: "planJson() carries user on actions for another account, and leaves it out otherwise",
  permissions: "none",
  fn() {
    const json = planJson(PLAN);
    assert.deepEqual(json.actions.map((a) => a.user), ["e2e", "e2e", "e2e"]);
    const own = planJson({
      ...PLAN,
      actions: PLAN.actions.map((a) => {
        const { user: _, ...rest } = a as typeof a & { user?: string };
        return rest as typeof a;
      }),
    });
    assert.ok(own.actions.every((a) => !("user" in a)));
  },
});
