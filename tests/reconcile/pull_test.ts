/**
 * Pull before stop: which services' images a plan pulls, in which order and with which policy.
 * Table-driven like reconcile_test.ts; lines from {@link pullLines} (every action, pulls with
 * their images and policies).
 */
import assert from "node:assert/strict";
import {
  cleanDesired,
  configYml,
  deployed,
  emptyHost,
  type FakeObserved,
  manifest,
  plan,
  pullLines,
  unitState,
} from "./helpers.ts";
import type { DesiredState } from "../../lib/desired/types.ts";
import { PURE } from "../support/pure.ts";

/** a requires b: b starts first, so it is pulled first. */
function repo(bImage: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "config.yml": configYml(["a", "b", "loc"]),
    "a/manifest.yml": manifest("docker.io/library/a:1", { requires: ["gitops-b.service"] }),
    "b/manifest.yml": manifest(bImage),
    "loc/manifest.yml": manifest("localhost/loc:1"),
    ...extra,
  };
}
const V1 = cleanDesired(repo("ghcr.io/acme/b:1"), "rev1");
const V2 = cleanDesired(repo("ghcr.io/acme/b:2"), "rev2");

/** Raw units: Pull= keys, a .image unit, a .build unit. */
const RAW = cleanDesired({
  "config.yml": configYml(["r"]),
  "r/always.container": "[Container]\nImage=quay.io/acme/always:1\nPull=always\n",
  "r/newer.container": "[Container]\nImage=quay.io/acme/newer:1\nPull=newer\n",
  "r/never.container": "[Container]\nImage=quay.io/acme/never:1\nPull=never\n",
  "r/viaimage.container": "[Container]\nImage=app.image\n",
  "r/app.image": "[Image]\nImage=quay.io/acme/app@sha256:" + "a".repeat(64) + "\n",
  "r/built.container": "[Container]\nImage=app.build\n",
  "r/app.build": "[Build]\nImageTag=localhost/app:dev\nFile=Containerfile\n",
  "r/Containerfile": "FROM scratch\n",
}, "rev1");

function edit(o: FakeObserved, f: (o: FakeObserved) => void): FakeObserved {
  f(o);
  return o;
}

const cases: {
  name: string;
  desired: DesiredState;
  observed: FakeObserved;
  names: DesiredState[];
  lines: string[];
}[] = [
  {
    name: "a first install pulls every registry image first, in start order, none from localhost/",
    desired: V1,
    observed: emptyHost(),
    names: [V1],
    lines: [
      "pull b: ghcr.io/acme/b:1 (missing)",
      "pull a: docker.io/library/a:1 (missing)",
      "write gitops-a.container (new unit)",
      "write gitops-b.container (new unit)",
      "write gitops-loc.container (new unit)",
      "daemon-reload, wait for gitops-b.service gitops-a.service gitops-loc.service",
      "start b: gitops-b.service (new service (gitops-b.service not loaded))",
      "start a: gitops-a.service (new service (gitops-a.service not loaded))",
      "start loc: gitops-loc.service (new service (gitops-loc.service not loaded))",
    ],
  },
  {
    name: "a no-op pulls nothing",
    desired: V1,
    observed: deployed(V1),
    names: [V1],
    lines: [],
  },
  {
    name: "a new image for b pulls only b's, before its unit is written",
    desired: V2,
    observed: deployed(V1),
    names: [V1, V2],
    lines: [
      "pull b: ghcr.io/acme/b:2 (missing)",
      "write gitops-b.container (content changed)",
      "daemon-reload, wait for gitops-b.service",
      "restart b: gitops-b.service (content changed: manifest.yml)",
    ],
  },
  {
    name: "a service down on the hash it ran starts again without a pull",
    desired: V1,
    observed: edit(deployed(V1), (o) => {
      o.units.set("gitops-a.service", unitState("failed"));
      o.containers = o.containers.filter((c) => c.service !== "a");
    }),
    names: [V1],
    lines: ["start a: gitops-a.service (not running (gitops-a.service failed))"],
  },
  {
    name: "Pull=always and newer pull what the registry has, never and .build pull nothing, " +
      "a .image unit's image is pulled once",
    desired: RAW,
    observed: emptyHost(),
    names: [RAW],
    lines: [
      "pull r: quay.io/acme/always:1 (always), quay.io/acme/app@sha256:" + "a".repeat(64) +
      " (missing), quay.io/acme/newer:1 (always)",
    ],
  },
];

for (const c of cases) {
  Deno.test({
    name: `reconcile() pulls before stop: ${c.name}`,
    permissions: PURE,
    fn() {
      const lines = pullLines(plan(c.desired, c.observed), ...c.names);
      if (c.desired === RAW) {
        assert.deepEqual(lines.filter((l) => l.startsWith("pull ")), c.lines);
      } else {
        assert.deepEqual(lines, c.lines);
      }
    },
  });
}

Deno.test({
  name: "reconcile() puts every pull before the first stop, write and reload",
  permissions: PURE,
  fn() {
    const kinds = plan(V2, deployed(V1)).actions.map((a) => a.kind);
    assert.equal(kinds.indexOf("pull"), 0);
    assert.ok(kinds.lastIndexOf("pull") < kinds.indexOf("write"));
  },
});
