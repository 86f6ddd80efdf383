/**
 * The pure rules around a plan's execution: which earlier actions a failure blocks
 * (actionNeeds), what a run without the generator may do (finishPlan), and what a run records
 * (deploymentRecord).
 *
 * @module
 */
import assert from "node:assert/strict";
import { actionNeeds } from "../../lib/reconcile/action_needs.ts";
import { deploymentRecord } from "../../lib/reconcile/deployment_record.ts";
import { finishPlan } from "../../lib/reconcile/finish_plan.ts";
import type { Action, Plan } from "../../lib/reconcile/types.ts";
import { PURE } from "../support/pure.ts";

const hostCopy: Action = {
  kind: "copy",
  scope: "host",
  source: "main",
  dir: "/s/host/h",
  files: [],
  code: "host-files",
  reason: "host",
};
const pre: Action = {
  kind: "run-script",
  phase: "pre",
  script: "true",
  cwd: "/s/host/h",
  code: "script",
  reason: "pre",
};
const write = (service: string): Action => ({
  kind: "write",
  service,
  unit: `gitops-${service}.container`,
  content: "",
  previous: null,
  serviceUnit: `gitops-${service}.service`,
  code: "new-unit",
  reason: "new unit",
});
const reload: Action = {
  kind: "daemon-reload",
  waitFor: [],
  code: "units-changed",
  reason: "unit files changed",
};
const start = (service: string): Action => ({
  kind: "start",
  service,
  units: [`gitops-${service}.service`],
  code: "new-service",
  reason: "new",
});
const post: Action = { ...pre, phase: "post", reason: "post" } as Action;

const plan = (actions: Action[], extra: Partial<Plan> = {}): Plan => ({
  revision: "r1",
  host: "h",
  actions,
  consequences: [],
  inventory: [],
  problems: [],
  blocked: false,
  ...extra,
});

Deno.test({
  name:
    "actionNeeds() links each action to the pre.script and host copy before it, its own service, and the reload",
  permissions: PURE,
  fn() {
    const cases: { name: string; actions: Action[]; needs: number[][] }[] = [
      { name: "nothing", actions: [], needs: [] },
      {
        name: "two services: a start needs its own write and the reload, not the other service",
        actions: [write("a"), write("b"), reload, start("a"), start("b")],
        needs: [[], [], [], [0, 2], [1, 2]],
      },
      {
        name: "everything after a pre.script or host copy needs it",
        actions: [hostCopy, pre, write("a"), reload, start("a"), post],
        needs: [[], [0], [0, 1], [0, 1], [0, 1, 2, 3], [0, 1]],
      },
      {
        name: "a start without a reload (nothing written) needs only its service",
        actions: [start("a")],
        needs: [[]],
      },
    ];
    for (const c of cases) assert.deepEqual(actionNeeds(c.actions), c.needs, c.name);
  },
});

Deno.test({
  name:
    "finishPlan() without the generator: a warning in a dry run, an error that blocks a real apply, nothing when no unit is written",
  permissions: PURE,
  fn() {
    const facts = { requireSigned: true, configFile: "/c.toml", verdicts: [], validated: false };
    const writing = plan([write("a"), reload, start("a")]);
    const dry = finishPlan(writing, { ...facts, dryRun: true });
    assert.deepEqual(dry.problems.map((p) => p.level), ["warning"]);
    assert.equal(dry.blocked, false);
    const real = finishPlan(writing, { ...facts, dryRun: false });
    assert.deepEqual(real.problems.map((p) => p.level), ["error"]);
    assert.match(real.problems[0]?.message ?? "", /cannot be validated; nothing was changed/);
    assert.equal(real.blocked, true);
    const startsOnly = finishPlan(plan([start("a")]), { ...facts, dryRun: false });
    assert.deepEqual(startsOnly.problems, []);
    assert.equal(startsOnly.blocked, false);
    const unsigned = finishPlan(plan([]), {
      ...facts,
      requireSigned: false,
      validated: true,
      dryRun: false,
    });
    assert.deepEqual(unsigned.problems.map((p) => [p.level, p.file]), [["warning", "/c.toml"]]);
  },
});

Deno.test({
  name:
    "deploymentRecord() records nothing for a quiet run but a new commit, and a deployment when something changed or failed",
  permissions: PURE,
  fn() {
    const source = { source: "main", branch: "main", commit: "c2", signer: "", policy: "p" };
    const noInventory = {
      upsertUnits: [],
      deleteUnits: [],
      upsertServices: [],
      deleteServices: [],
    };
    const base = {
      host: "h",
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:00:01.000Z",
      sources: [source],
      verdicts: [],
    };
    const quiet = deploymentRecord({
      ...base,
      plan: plan([pre]),
      applied: { actions: [], inventory: noInventory, failed: false },
      sourcesChanged: true,
    });
    assert.equal(quiet.deployment, undefined, "scripts alone are no change");
    assert.deepEqual(quiet.sources, [{ ...source, deployedAt: base.startedAt }]);
    const unchanged = deploymentRecord({
      ...base,
      plan: plan([]),
      applied: { actions: [], inventory: noInventory, failed: false },
      sourcesChanged: false,
    });
    assert.deepEqual([unchanged.deployment, unchanged.sources], [undefined, []]);
    const failed = deploymentRecord({
      ...base,
      plan: plan([start("a")], {
        problems: [{ level: "error", message: "x", service: "b" }],
      }),
      applied: {
        actions: [{ kind: "start", service: "a", unit: "u", reason: "r", result: "failed" }],
        inventory: noInventory,
        failed: true,
      },
      sourcesChanged: true,
      verdicts: [{
        source: "main",
        commits: { main: "c2" },
        signers: { main: "" },
        verdict: "unchecked",
        checked: 0,
        rollback: { from: "c3", to: "c2" },
      }],
    });
    assert.equal(failed.deployment?.status, "failed");
    assert.equal(failed.deployment?.error, "1 service(s) blocked by errors");
    assert.deepEqual(failed.deployment?.sources, [{ ...source, deployedAt: base.startedAt }]);
    assert.deepEqual(failed.sources, [], "the deployment carries the sources");
    assert.deepEqual(failed.events.map((e) => e.kind), ["rollback-allowed"]);
  },
});
