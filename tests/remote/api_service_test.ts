/**
 * apiService(): which units the remote API acts on and through which manager, from the deployed
 * commit's service and the run's inventory.
 */
import assert from "node:assert/strict";
import type { DesiredService, DesiredState } from "../../lib/desired/types.ts";
import { apiService } from "../../lib/remote/remote_app.ts";
import type { Inventory, InventoryService, InventoryUnit } from "../../lib/types/observed.ts";

function ready(user?: string): DesiredService {
  return {
    name: "web",
    status: "ready",
    hash: "0123456789abcdef",
    units: [
      { serviceUnit: "gitops-web.service", entry: true },
      { serviceUnit: "gitops-web-data-volume.service", entry: false },
    ],
    problems: [],
    ...(user === undefined ? {} : { user: { name: user, file: "pi/config.yml", line: 3 } }),
  } as unknown as DesiredService;
}

const BLOCKED = {
  name: "web",
  status: "blocked",
  problems: [{ level: "error", message: "Image must be a string", file: "pi/web/manifest.yml" }],
} as unknown as DesiredService;

function inventory(
  service?: { user?: string },
  unit?: { user?: string },
): Pick<Inventory, "services" | "units"> {
  const services = new Map<string, InventoryService>();
  const units = new Map<string, InventoryUnit>();
  if (service !== undefined) {
    services.set("web", { name: "web", ...service } as InventoryService);
  }
  if (unit !== undefined) {
    units.set("web/web.container", {
      path: "web/web.container",
      service: "web",
      serviceUnit: "gitops-web.service",
      ...unit,
    });
  }
  return { services, units };
}

const READY = {
  kind: "ready",
  units: ["gitops-web.service", "gitops-web-data-volume.service"],
  entry: ["gitops-web.service"],
  hash: "0123456789abcdef",
};

const cases: [string, DesiredService, Pick<Inventory, "services" | "units">, unknown][] = [
  ["hoist's own service, not deployed yet", ready(), inventory(), READY],
  ["hoist's own service, deployed", ready(), inventory({}), READY],
  ["an account service, not deployed yet", ready("app"), inventory(), { ...READY, user: "app" }],
  [
    "an account service the inventory records for it",
    ready("app"),
    inventory({ user: "app" }, { user: "app" }),
    { ...READY, user: "app" },
  ],
  [
    "an account service known by its units only (a record without user)",
    ready("app"),
    inventory({}, { user: "app" }),
    { ...READY, user: "app" },
  ],
  [
    "moved to an account: still running in hoist's own manager",
    ready("app"),
    inventory({}),
    {
      kind: "blocked",
      reason:
        "it runs for hoist's own manager, the commit wants account app: hoist does not move a running service between managers",
    },
  ],
  [
    "moved out of an account: still running as it",
    ready(),
    inventory({ user: "app" }),
    {
      kind: "blocked",
      reason:
        "it runs for account app, the commit wants hoist's own manager: hoist does not move a running service between managers",
      user: "app",
    },
  ],
  [
    "moved between accounts",
    ready("ops"),
    inventory(undefined, { user: "app" }),
    {
      kind: "blocked",
      reason:
        "it runs for account app, the commit wants account ops: hoist does not move a running service between managers",
      user: "app",
    },
  ],
  [
    "blocked, running as an account",
    BLOCKED,
    inventory({ user: "app" }),
    { kind: "blocked", reason: "error: pi/web/manifest.yml: Image must be a string", user: "app" },
  ],
  [
    "blocked, never deployed",
    BLOCKED,
    inventory(),
    { kind: "blocked", reason: "error: pi/web/manifest.yml: Image must be a string" },
  ],
];

for (const [what, service, inv, want] of cases) {
  Deno.test({
    name: `apiService(): ${what}`,
    permissions: "none",
    fn() {
      const desired: Pick<DesiredState, "services"> = { services: [service] };
      assert.deepEqual(apiService(desired, inv, "web"), want);
      assert.equal(apiService(desired, inv, "db"), undefined);
    },
  });
}
