import assert from "node:assert/strict";
import { mergeDesired } from "../../lib/desired/merge_desired.ts";
import { readBranches } from "../../lib/desired/read_branches.ts";
import { readDesired } from "../../lib/desired/read_desired.ts";
import { desiredUnits } from "../../lib/desired/types.ts";
import { OPTS, ready, repoTree, service } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const IMAGE = "Container:\n  Image: docker.io/library/busybox:1.36\n";

function source(name: string, services: Record<string, string>, revision: string) {
  const files: Record<string, string> = {
    "gitops/hostname_a/config.yml": `services:\n${
      Object.keys(services).map((s) => `  ${s}: {}\n`).join("")
    }`,
  };
  for (const [svc, manifest] of Object.entries(services)) {
    files[`gitops/hostname_a/${svc}/manifest.yml`] = manifest;
  }
  return {
    source: name,
    desired: readDesired(repoTree(files, revision), { ...OPTS, source: name }),
  };
}

const BRANCH_OPTS = {
  source: "svc",
  host: "hostname_a",
  prefix: "gitops-",
  mode: "user" as const,
  stateDir: "/s",
};

Deno.test({
  name: "mergeDesired() unions the services of two sources and names both revisions",
  permissions: PURE,
  fn() {
    const merged = mergeDesired([
      source("infra", { web: IMAGE }, "a".repeat(40)),
      source("apps", { api: IMAGE }, "b".repeat(40)),
    ]);
    assert.deepEqual(merged.services.map((s) => s.name), ["api", "web"]);
    assert.ok(
      merged.services.every((s) => s.status === "ready" && /^[0-9a-f]{16}$/.test(s.hash)),
    );
    assert.equal(merged.revision, `infra@${"a".repeat(12)},apps@${"b".repeat(12)}`);
    assert.deepEqual(merged.hosts.map((h) => h.source), ["infra", "apps"]);
  },
});

Deno.test({
  name: "mergeDesired() blocks a service defined by two sources, naming both",
  permissions: PURE,
  fn() {
    const merged = mergeDesired([
      source("infra", { web: IMAGE, db: IMAGE }, "a".repeat(40)),
      source("apps", { web: IMAGE }, "b".repeat(40)),
    ]);
    const web = merged.services.filter((s) => s.name === "web");
    assert.equal(web.length, 1, "one entry for the clashing name");
    assert.equal(desiredUnits(web[0]!).length, 0);
    assert.match(
      web[0]!.problems[0]!.message,
      /^service web is defined by sources infra and apps$/,
    );
    assert.ok(ready(merged, "db").units.length > 0, "db still deploys");
  },
});

Deno.test({
  name: "mergeDesired() links dependencies across sources",
  permissions: PURE,
  fn() {
    const merged = mergeDesired([
      source("infra", { db: IMAGE }, "a".repeat(40)),
      source("apps", { web: `Unit:\n  Requires: gitops-db.service\n${IMAGE}` }, "b".repeat(40)),
    ]);
    assert.deepEqual(service(merged, "web").dependsOn, ["db"]);
  },
});

Deno.test({
  name: "readBranches() reads each branch root as the service of the same name",
  permissions: PURE,
  fn() {
    const desired = readBranches(
      new Map([
        ["web", repoTree({ "manifest.yml": IMAGE, "index.html": "hi" }, "c".repeat(40))],
        ["api", repoTree({ "api.container": "[Container]\nImage=x\n" }, "d".repeat(40))],
      ]),
      BRANCH_OPTS,
    );
    assert.deepEqual(desired.services.map((s) => s.name), ["api", "web"]);
    const web = ready(desired, "web");
    assert.deepEqual(web.units.map((u) => u.path), ["gitops-web.container"]);
    assert.deepEqual(web.files.map((f) => f.path), ["index.html"]);
    assert.equal(web.units[0]!.source, "@svc/web/manifest.yml");
    assert.deepEqual(ready(desired, "api").units.map((u) => u.path), [
      "gitops-api/api.container",
    ]);
  },
});

Deno.test({
  name:
    "readBranches() reports a bad manifest with the branch in the path and keeps other branches",
  permissions: PURE,
  fn() {
    const desired = readBranches(
      new Map([
        ["web", repoTree({ "manifest.yml": "Container:\n  Image: [a, b]\n" })],
        ["api", repoTree({ "manifest.yml": IMAGE })],
      ]),
      BRANCH_OPTS,
    );
    const web = service(desired, "web");
    assert.equal(desiredUnits(web).length, 0);
    assert.equal(web.problems[0]!.file, "@svc/web/manifest.yml");
    assert.equal(web.problems[0]!.line, 2);
    assert.ok(ready(desired, "api").units.length > 0);
  },
});

Deno.test({
  name: "readBranches() refuses ${HOST_DIR}, which a branch source has no folder for",
  permissions: PURE,
  fn() {
    const desired = readBranches(
      new Map([["web", repoTree({ "manifest.yml": `${IMAGE}  Volume: \${HOST_DIR}/x:/x\n` })]]),
      BRANCH_OPTS,
    );
    assert.match(desired.services[0]!.problems[0]!.message, /HOST_DIR/);
    assert.equal(desiredUnits(desired.services[0]!).length, 0);
  },
});
