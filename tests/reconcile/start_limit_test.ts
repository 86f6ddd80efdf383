/**
 * reconcile() asks for `reset-failed` before every (re)start to a new hash, so hoist's own
 * restarts never trip systemd's start limit, and reports (does not reset) a unit that keeps
 * failing with an unchanged configuration. Permissions PURE.
 */
import assert from "node:assert/strict";
import type { UnitAction } from "../../lib/reconcile/types.ts";
import { cleanDesired, configYml, deployed, emptyHost, manifest, plan } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const repo = (image: string, revision: string) =>
  cleanDesired({ "config.yml": configYml(["web"]), "web/manifest.yml": manifest(image) }, revision);
const V1 = repo("web:1", "rev1");
const V2 = repo("web:2", "rev2");

function unitActions(p: ReturnType<typeof plan>): string[] {
  return p.actions.filter((a): a is UnitAction => a.kind === "start" || a.kind === "restart")
    .map((a) =>
      `${a.kind} ${a.units.join(" ")} reset-failed=${a.resetFailed === true}: ${a.reason}`
    );
}

const limitHit = { load: "loaded", active: "failed", sub: "failed", result: "start-limit-hit" };

Deno.test({
  name: "reconcile() resets the failed state before restarting for a new hash",
  permissions: PURE,
  fn() {
    assert.deepEqual(unitActions(plan(V2, deployed(V1))), [
      "restart gitops-web.service reset-failed=true: content changed: manifest.yml",
    ]);
  },
});

Deno.test({
  name:
    "reconcile() resets the failed state before starting a new service, or one whose hash changed while it was down",
  permissions: PURE,
  fn() {
    assert.deepEqual(unitActions(plan(V1, emptyHost())), [
      "start gitops-web.service reset-failed=true: new service (gitops-web.service not loaded)",
    ]);
    const down = deployed(V1);
    down.containers = [];
    down.units.set("gitops-web.service", limitHit);
    assert.deepEqual(unitActions(plan(V2, down)), [
      "start gitops-web.service reset-failed=true: not running (gitops-web.service failed (start-limit-hit))",
    ]);
    assert.deepEqual(plan(V2, down).problems, []);
  },
});

Deno.test({
  name:
    "reconcile() reports a unit that hit its start limit with an unchanged hash, and starts it without resetting",
  permissions: PURE,
  fn() {
    const looping = deployed(V1);
    looping.containers = [];
    looping.units.set("gitops-web.service", limitHit);
    const p = plan(V1, looping);
    assert.deepEqual(unitActions(p), [
      "start gitops-web.service reset-failed=false: not running (gitops-web.service failed (start-limit-hit))",
    ]);
    assert.deepEqual(p.problems.map((x) => [x.level, x.service, x.message]), [[
      "warning",
      "web",
      "gitops-web.service keeps failing: systemd stopped restarting it (start-limit-hit), and its configuration did not change",
    ]]);
  },
});
