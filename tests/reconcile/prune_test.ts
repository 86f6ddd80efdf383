/**
 * reconcile() prunes what is left of services hoist no longer runs: their copies and the service
 * folder, and state folders no inventory knows. Permissions PURE.
 */
import assert from "node:assert/strict";
import { cleanDesired, configYml, deployed, manifest, plan, planLines } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const V1 = cleanDesired({
  "config.yml": configYml(["web"]),
  "web/manifest.yml": manifest("web:1"),
});

Deno.test({
  name:
    "reconcile() prunes a state folder of a service neither desired nor in the inventory, and no other",
  permissions: PURE,
  fn() {
    const host = deployed(V1);
    const p = plan(V1, {
      ...host,
      strayServiceFolders: ["/var/lib/hoist/services/gone"],
    });
    assert.deepEqual(planLines(p), [
      "prune gone /var/lib/hoist/services/gone (state folder of a service hoist no longer runs)",
    ]);
  },
});
