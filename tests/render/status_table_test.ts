/**
 * statusRows(): per service what runs (the containers' hash labels and states) and what systemd
 * says of its units. Permissions PURE (desired states are read from YAML).
 */
import assert from "node:assert/strict";
import { statusRows } from "../../lib/render/status_table.ts";
import { cleanDesired, configYml, deployed, manifest, svc } from "../reconcile/helpers.ts";
import { PURE } from "../support/pure.ts";

const V1 = cleanDesired({
  "config.yml": configYml(["web"]),
  "web/manifest.yml": manifest("web:1"),
});

Deno.test({
  name:
    "statusRows() shows a container that died after start: exited, its unit failed, not in sync",
  permissions: PURE,
  fn() {
    const host = deployed(V1);
    host.containers = host.containers.map((c) => ({ ...c, state: "exited" }));
    host.units.set("gitops-web.service", {
      load: "loaded",
      active: "failed",
      sub: "failed",
      result: "exit-code",
    });
    const [row] = statusRows(V1, host);
    assert.equal(row?.state, "exited");
    assert.equal(row?.unitState, "failed (exit-code)");
    assert.equal(row?.runningHash, "");
    assert.equal(row?.inSync, false);
  },
});

Deno.test({
  name:
    "statusRows() shows the hash a container runs; a scheme-1 hash of the same configuration is in sync",
  permissions: PURE,
  fn() {
    const host = deployed(V1);
    const s = svc(V1, "web");
    assert.equal(statusRows(V1, host)[0]?.unitState, "active (running)");
    host.containers = host.containers.map((c) => ({ ...c, hash: s.legacyHash }));
    const [row] = statusRows(V1, host);
    assert.equal(row?.runningHash, s.legacyHash);
    assert.equal(row?.inSync, true);
  },
});
