/**
 * reconcile() restarts a service only when what runs differs from what the repository says: not
 * for a key moved in a manifest, a unit file deleted by hand and restored, the older hash scheme's
 * labels, or a run killed after it restarted a service. Table-driven, permissions PURE.
 */
import assert from "node:assert/strict";
import type { DesiredState } from "../../lib/desired/types.ts";
import {
  cleanDesired,
  configYml,
  deployed,
  type FakeObserved,
  plan,
  planLines,
  svc,
} from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const MANIFEST = "Container:\n  Image: docker.io/library/web:1\n" +
  "  PublishPort: 127.0.0.1:8080:80\n  Environment: [A=1, B=2]\n";
const REORDERED = "Container:\n  Environment:\n    - A=1\n    - B=2\n" +
  "  PublishPort: '127.0.0.1:8080:80'\n  Image: docker.io/library/web:1 # pinned\n";

function repo(manifest: string, revision: string): DesiredState {
  return cleanDesired({
    "config.yml": configYml(["web"]),
    "web/manifest.yml": manifest,
    "web/index.html": "hello\n",
  }, revision);
}

const V1 = repo(MANIFEST, "rev1");
const V1_REORDERED = repo(REORDERED, "rev2");
const V2 = repo(MANIFEST.replace("web:1", "web:2"), "rev2");
const UNIT = "gitops-web.container";

/** `host` as a hoist before the canonical hash left it: every hash of web is its scheme-1 hash. */
function legacy(host: FakeObserved, desired: DesiredState): FakeObserved {
  const s = svc(desired, "web");
  const old = (text: string) => text.replaceAll(s.hash, s.legacyHash);
  host.files = new Map([...host.files].map(([p, t]) => [p, old(t)]));
  host.copies = new Set([...host.copies].map(old));
  host.containers = host.containers.map((c) => ({ ...c, hash: s.legacyHash }));
  const prev = host.inventory.services.get("web");
  if (prev) host.inventory.services.set("web", { ...prev, hash: s.legacyHash });
  host.inventory.copies = new Map([...host.inventory.copies].map(([n, d]) => [n, d.map(old)]));
  return host;
}

interface Scenario {
  readonly name: string;
  readonly desired: DesiredState;
  readonly host: () => FakeObserved;
  readonly lines: readonly string[];
}

const scenarios: readonly Scenario[] = [
  {
    name: "writes a manifest whose keys moved, in the new order, and restarts nothing",
    desired: V1_REORDERED,
    host: () => deployed(V1),
    lines: [
      `write ${UNIT} (same configuration, laid out as in the repository (nothing restarts))`,
      "daemon-reload, wait for nothing",
    ],
  },
  {
    name: "rewrites a unit file deleted by hand and restarts nothing",
    desired: V1,
    host: () => {
      const h = deployed(V1);
      h.files.delete(UNIT);
      return h;
    },
    lines: [
      `write ${UNIT} (file missing on disk, written again (nothing restarts))`,
      "daemon-reload, wait for nothing",
    ],
  },
  {
    name:
      "relabels a service deployed under hash scheme 1 and restarts nothing (the new copy is made)",
    desired: V1,
    host: () => legacy(deployed(V1), V1),
    lines: [
      "copy web /var/lib/hoist/services/web/web@rev1 (files for web@rev1)",
      `write ${UNIT} (labelled with the new hash scheme, same configuration (nothing restarts))`,
      "daemon-reload, wait for nothing",
    ],
  },
  {
    name: "restarts a service deployed under hash scheme 1 when its configuration changed too",
    desired: V2,
    host: () => legacy(deployed(V1), V1),
    lines: [
      "copy web /var/lib/hoist/services/web/web@rev2 (files for web@rev2)",
      `write ${UNIT} (content changed)`,
      "daemon-reload, wait for gitops-web.service",
      "restart web: gitops-web.service (content changed: manifest.yml)",
    ],
  },
  {
    name: "restarts a service whose unit file was edited by hand (its configuration differs)",
    desired: V1,
    host: () => {
      const h = deployed(V1);
      h.files.set(UNIT, (h.files.get(UNIT) ?? "").replace("web:1", "web:evil"));
      return h;
    },
    lines: [
      `write ${UNIT} (file on disk differs)`,
      "daemon-reload, wait for gitops-web.service",
      "restart web: gitops-web.service (unit file on disk differed from the repository)",
    ],
  },
  {
    name:
      "does not restart again a service a killed run already restarted (its containers run the new hash)",
    desired: V2,
    host: () => {
      // V2's files and containers, V1's inventory: the run died before it recorded the deployment
      const h = deployed(V2);
      const old = deployed(V1).inventory.services.get("web");
      if (old) h.inventory.services.set("web", old);
      return h;
    },
    lines: [],
  },
  {
    name: "restarts what a killed run wrote but did not restart (containers run the old hash)",
    desired: V2,
    host: () => {
      const h = deployed(V1);
      const d = deployed(V2);
      h.files = d.files;
      h.copies = new Set([...h.copies, ...d.copies]);
      return h;
    },
    lines: [
      "restart web: gitops-web.service (content changed: manifest.yml)",
    ],
  },
];

for (const s of scenarios) {
  Deno.test({
    name: `reconcile() ${s.name}`,
    permissions: PURE,
    fn() {
      const p = plan(s.desired, s.host());
      assert.deepEqual(planLines(p, V1, V2), s.lines);
    },
  });
}

Deno.test({
  name: "reconcile() records the new scheme's hash for a relabelled service, keeping its units",
  permissions: PURE,
  fn() {
    const p = plan(V1, legacy(deployed(V1), V1));
    const s = svc(V1, "web");
    assert.deepEqual(p.inventory.map((c) => [c.service, c.record?.hash]), [["web", s.hash]]);
  },
});
