/**
 * reconcile() decides the daemon-reload from the host too: an earlier run's "reload pending" mark,
 * a unit with NeedDaemonReload=yes, or a unit file on disk systemd has not loaded get the one
 * reload, and only the restarts still needed follow it. Permissions PURE.
 */
import assert from "node:assert/strict";
import { cleanDesired, configYml, deployed, manifest, plan, planLines } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const repo = (image: string, revision: string) =>
  cleanDesired({
    "config.yml": configYml(["api", "web"]),
    "api/manifest.yml": manifest(`api:${image}`),
    "web/manifest.yml": manifest("web:1"),
  }, revision);
const V1 = repo("1", "rev1");
const V2 = repo("2", "rev2");

Deno.test({
  name: "reconcile() plans nothing on a host that matches and has no reload pending",
  permissions: PURE,
  fn() {
    assert.deepEqual(planLines(plan(V1, deployed(V1))), []);
  },
});

Deno.test({
  name:
    "reconcile() reloads and restarts only the stale service after a run that wrote V2's files and died before its reload",
  permissions: PURE,
  fn() {
    const host = deployed(V1);
    host.files = deployed(V2).files;
    const p = plan(V2, { ...host, reloadPending: true });
    assert.deepEqual(planLines(p, V1, V2), [
      "daemon-reload, wait for gitops-api.service",
      "restart api: gitops-api.service (content changed: manifest.yml)",
    ]);
    assert.equal(p.actions.find((a) => a.kind === "daemon-reload")?.code, "reload-pending");
  },
});

Deno.test({
  name: "reconcile() reloads for a unit whose definition systemd reports as outdated",
  permissions: PURE,
  fn() {
    const host = deployed(V1);
    host.units.set("gitops-web.service", {
      ...(host.units.get("gitops-web.service") ?? { load: "loaded", active: "active", sub: "" }),
      needReload: true,
    });
    assert.deepEqual(planLines(plan(V1, host)), ["daemon-reload, wait for nothing"]);
    assert.equal(
      plan(V1, host).actions[0]?.reason,
      "systemd has older definitions of gitops-web.service",
    );
  },
});

Deno.test({
  name: "reconcile() reloads for a unit file on disk that systemd has not loaded, then starts it",
  permissions: PURE,
  fn() {
    const host = deployed(V1);
    host.units.set("gitops-web.service", { load: "not-found", active: "inactive", sub: "dead" });
    host.containers = host.containers.filter((c) => c.service !== "web");
    assert.deepEqual(planLines(plan(V1, host)), [
      "daemon-reload, wait for gitops-web.service",
      "start web: gitops-web.service (not running (gitops-web.service inactive))",
    ]);
  },
});
