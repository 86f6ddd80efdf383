/**
 * adoptInventory(): what hoist owns, rebuilt from the unit files it wrote (a lost state DB).
 * Permissions none.
 */
import assert from "node:assert/strict";
import { adoptInventory } from "../../lib/reconcile/adopt.ts";

const NOW = "2024-05-01T12:00:00.000Z";

Deno.test({
  name:
    "adoptInventory() owns files with hoist's two labels and the prefix, and the folders of such services, nothing else",
  permissions: "none",
  fn() {
    const files = new Map([
      [
        "gitops-web.container",
        "[Container]\nLabel=gitops-service=web\nLabel=gitops-hash=0123456789abcdef\nImage=a\n",
      ],
      [
        "gitops-db/db.container",
        "[Container]\nLabel=gitops-service=db\nLabel=gitops-hash=fedcba9876543210\nImage=b\nServiceName=the-db\n",
      ],
      ["gitops-db/net.network", "[Network]\n"],
      // the label names another service than the file: not hoist's way of writing it
      [
        "gitops-evil.container",
        "[Container]\nLabel=gitops-service=web\nLabel=gitops-hash=0123456789abcdef\nImage=c\n",
      ],
      // a folder without any labelled file of its service
      ["gitops-other/x.network", "[Network]\n"],
      // the service label alone: homelab-gitops wrote it, hoist did not
      ["gitops-legacy.container", "[Container]\nLabel=gitops-service=legacy\nImage=e\n"],
      // no prefix
      ["web.container", "[Container]\nLabel=gitops-service=web\nImage=d\n"],
    ]);
    const inv = adoptInventory(files, "gitops-", NOW);
    assert.deepEqual([...inv.units.values()], [
      { path: "gitops-web.container", service: "web", serviceUnit: "gitops-web.service" },
      { path: "gitops-db/db.container", service: "db", serviceUnit: "the-db.service" },
      { path: "gitops-db/net.network", service: "db", serviceUnit: "net-network.service" },
    ]);
    assert.deepEqual([...inv.services.values()], [
      {
        name: "db",
        hash: "fedcba9876543210",
        inputs: {},
        serviceUnits: ["the-db.service", "net-network.service"],
        revision: "adopted",
        changedAt: NOW,
      },
      {
        name: "web",
        hash: "0123456789abcdef",
        inputs: {},
        serviceUnits: ["gitops-web.service"],
        revision: "adopted",
        changedAt: NOW,
      },
    ]);
  },
});

Deno.test({
  name: "adoptInventory() finds nothing in a quadlet folder without hoist's files",
  permissions: "none",
  fn() {
    const inv = adoptInventory(
      new Map([["mine.container", "[Container]\nImage=a\n"]]),
      "gitops-",
      NOW,
    );
    assert.equal(inv.units.size, 0);
    assert.equal(inv.services.size, 0);
  },
});
