/**
 * A unit hoist writes never takes a podman object it did not create for that service: quadlet's
 * `--replace` would remove a foreign container or pod (issue 9, class 4); an existing network or
 * volume is joined, as a podman-compose project migrating in place needs (issue 11).
 */
import assert from "node:assert/strict";
import { blockTakeovers } from "../../lib/reconcile/ownership.ts";
import { objectClashProblems } from "../../lib/reconcile/object_clashes.ts";
import type { ExistingObject, ObjectKey } from "../../lib/types/observed.ts";
import {
  configYml,
  deployed,
  desiredFrom,
  emptyHost,
  type FakeObserved,
  manifest,
  svc,
} from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const IMAGE = "docker.io/library/busybox:1.36";
const NEW_IMAGE = "docker.io/library/busybox:1.37";

function web(image: string, containerName?: string) {
  return desiredFrom({
    "config.yml": configYml(["web"]),
    "web/manifest.yml": manifest(image, {
      more: containerName === undefined ? [] : [`  ContainerName: ${containerName}\n`],
    }),
    "web/shared.network": "[Network]\nNetworkName=shared\n",
  });
}

function objects(...list: ExistingObject[]): Map<ObjectKey, ExistingObject> {
  return new Map(list.map((o) => [`${o.kind}:${o.name}` as ObjectKey, o]));
}

const foreign = (kind: ExistingObject["kind"], name: string): ExistingObject => ({
  kind,
  name,
  service: "",
  unit: "",
});

interface Case {
  readonly what: string;
  readonly host: () => FakeObserved & { objects?: Map<ObjectKey, ExistingObject> };
  readonly desired: ReturnType<typeof web>;
  /** Expected error messages (sorted). */
  readonly errors: readonly string[];
}

const CASES: readonly Case[] = [
  {
    what: "a new service whose default container name a foreign container has",
    host: () => ({ ...emptyHost(), objects: objects(foreign("container", "systemd-gitops-web")) }),
    desired: web(IMAGE),
    errors: [
      "container systemd-gitops-web already exists and hoist did not create it for web: quadlet would remove it (--replace)",
    ],
  },
  {
    what:
      "a new service whose NetworkName= an existing network has joins it (a podman-compose project migrating in place)",
    host: () => ({ ...emptyHost(), objects: objects(foreign("network", "shared")) }),
    desired: web(IMAGE),
    errors: [],
  },
  {
    what: "objects not listed (a run that writes nothing): nothing to judge",
    host: () => emptyHost(),
    desired: web(IMAGE),
    errors: [],
  },
  {
    what: "a changed service keeps the container and network its deployed units made",
    host: () => ({
      ...deployed(web(IMAGE)),
      objects: objects(foreign("container", "systemd-gitops-web"), foreign("network", "shared")),
    }),
    desired: web(NEW_IMAGE),
    errors: [],
  },
  {
    what: "a changed service that renames its container onto a foreign one",
    host: () => ({ ...deployed(web(IMAGE)), objects: objects(foreign("container", "db")) }),
    desired: web(NEW_IMAGE, "db"),
    errors: [
      "container db already exists and hoist did not create it for web: quadlet would remove it (--replace)",
    ],
  },
  {
    what: "another hoist service's container is not this service's",
    host: () => ({
      ...emptyHost(),
      objects: objects({
        kind: "container",
        name: "systemd-gitops-web",
        service: "api",
        unit: "gitops-api.service",
      }),
    }),
    desired: web(IMAGE),
    errors: [
      "container systemd-gitops-web already exists and hoist did not create it for web: quadlet would remove it (--replace)",
    ],
  },
  {
    what: "a container a killed run started for this very service and unit is its own",
    host: () => ({
      ...emptyHost(),
      objects: objects({
        kind: "container",
        name: "systemd-gitops-web",
        service: "web",
        unit: "gitops-web.service",
      }),
    }),
    desired: web(IMAGE),
    errors: [],
  },
  {
    what: "a unit this run does not write is not judged, whatever exists",
    host: () => ({
      ...deployed(web(IMAGE, "db")),
      objects: objects(foreign("container", "db")),
    }),
    desired: web(IMAGE, "db"),
    errors: [],
  },
];

Deno.test({
  name:
    "objectClashProblems() refuses an existing podman object the service's deployed units did not make",
  permissions: PURE,
  fn() {
    for (const c of CASES) {
      const problems = objectClashProblems(svc(c.desired, "web"), c.host());
      assert.deepEqual(problems.map((p) => p.message).sort(), [...c.errors].sort(), c.what);
      for (const p of problems) {
        assert.equal(p.level, "error", c.what);
        assert.equal(p.service, "web", c.what);
        assert.match(p.hint ?? "", /Name=|podman \w+ rm/, c.what);
        assert.match(p.file ?? "", /^gitops\/h1\/web\//, c.what);
      }
    }
  },
});

Deno.test({
  name: "blockTakeovers() blocks the service whose unit would replace a foreign container",
  permissions: PURE,
  fn() {
    const desired = web(IMAGE);
    const host = { ...emptyHost(), objects: objects(foreign("container", "systemd-gitops-web")) };
    const checked = blockTakeovers(desired, host, "/etc/containers/systemd");
    const s = checked.services.find((x) => x.name === "web");
    assert.equal(s?.status, "blocked");
    assert.match(
      s?.problems.map((p) => p.message).join("\n") ?? "",
      /systemd-gitops-web already exists/,
    );
    assert.equal(blockTakeovers(desired, emptyHost(), "/etc/containers/systemd"), desired);
  },
});
