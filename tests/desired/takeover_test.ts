/**
 * Takeover: a unit name systemd loads counts as hoist's only from the very file hoist writes
 * (ownershipProblems with quadlet_dir, lib/reconcile/ownership.ts), and podman object names may
 * not clash between hoist's own services (finishServices, lib/desired/finish_services.ts).
 */
import assert from "node:assert/strict";
import { blockTakeovers, ownershipProblems } from "../../lib/reconcile/ownership.ts";
import { assertBlocked, hostFiles, read, ready, service } from "./helpers.ts";
import { deployed, emptyHost, unitState } from "../reconcile/helpers.ts";
import { PURE } from "../support/pure.ts";

const IMAGE = "docker.io/library/busybox:1.36";
const QUADLET_DIR = "/etc/containers/systemd";

const SOURCES: readonly { readonly source: string; readonly ours: boolean }[] = [
  { source: `${QUADLET_DIR}/gitops-web.container`, ours: true },
  // the same name in another folder quadlet reads (lower precedence, or shadowing hoist's)
  { source: "/usr/share/containers/systemd/gitops-web.container", ours: false },
  { source: "/run/containers/systemd/gitops-web.container", ours: false },
  { source: `${QUADLET_DIR}/users/gitops-web.container`, ours: false },
  { source: `${QUADLET_DIR}/other/gitops-web.container`, ours: false },
  { source: "/usr/lib/systemd/system/gitops-web.service", ours: false },
  // outside every quadlet folder, with hoist's ending: quadlet_dir reached through a symlink
  { source: "/var/home/core/.config/containers/systemd/gitops-web.container", ours: true },
];

for (const { source, ours } of SOURCES) {
  Deno.test({
    name: `ownershipProblems() with quadlet_dir ${
      ours ? "adopts" : "refuses"
    } gitops-web.service loaded from ${source}`,
    permissions: PURE,
    fn() {
      const desired = read(
        hostFiles(["web"], { "web/manifest.yml": `Container:\n  Image: ${IMAGE}\n` }),
      );
      const host = emptyHost();
      host.units.set("gitops-web.service", { ...unitState("active"), source });
      const problems = ownershipProblems(ready(desired, "web"), host, QUADLET_DIR);
      if (ours) assert.deepEqual(problems, []);
      else {
        assert.equal(problems.length, 1);
        assert.equal(
          problems[0]?.message,
          `gitops-web.service already exists on this host (from ${source}), and hoist does not own it`,
        );
        assert.equal(problems[0]?.file, "gitops/hostname_a/web/manifest.yml");
      }
    },
  });
}

Deno.test({
  name:
    "ownershipProblems() with quadlet_dir refuses a unit hoist deployed that another folder now shadows",
  permissions: PURE,
  fn() {
    const desired = read(
      hostFiles(["web"], { "web/manifest.yml": `Container:\n  Image: ${IMAGE}\n` }),
    );
    const host = deployed(desired);
    const web = ready(desired, "web");
    host.units.set("gitops-web.service", {
      ...unitState("active"),
      source: `${QUADLET_DIR}/gitops-web.container`,
    });
    assert.deepEqual(ownershipProblems(web, host, QUADLET_DIR), [], "its own file: fine");
    host.units.set("gitops-web.service", {
      ...unitState("active"),
      source: "/run/containers/systemd/gitops-web.container",
    });
    assert.match(
      ownershipProblems(web, host, QUADLET_DIR)[0]?.message ?? "",
      /^gitops-web\.service already exists on this host \(from \/run\/containers\/systemd\//,
    );
  },
});

Deno.test({
  name: "finishServices() blocks both services that create a container of the same name",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["a", "b", "ok"], {
      "a/manifest.yml": `Container:\n  Image: ${IMAGE}\n  ContainerName: db\n`,
      "b/db.container": `[Container]\nImage=${IMAGE}\nContainerName=db\n`,
      "ok/manifest.yml": `Container:\n  Image: ${IMAGE}\n`,
    }));
    for (const name of ["a", "b"]) {
      const s = service(desired, name);
      assertBlocked(s);
      assert.match(s.problems[0]?.message ?? "", /^container:db is also defined by service [ab]$/);
    }
    assert.equal(ready(desired, "ok").units.length, 1);
  },
});

Deno.test({
  name: "finishServices() blocks a ContainerName equal to another service's default systemd-<name>",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["a", "b"], {
      "a/manifest.yml": `Container:\n  Image: ${IMAGE}\n  ContainerName: systemd-gitops-b\n`,
      "b/manifest.yml": `Container:\n  Image: ${IMAGE}\n`,
    }));
    assertBlocked(service(desired, "a"));
    assertBlocked(service(desired, "b"));
  },
});

Deno.test({
  name: "finishServices() blocks two services' networks, pods or volumes with one podman name",
  permissions: PURE,
  fn() {
    const pairs: readonly (readonly [string, string, string])[] = [
      ["network", "[Network]\nNetworkName=shared\n", "n"],
      ["volume", "[Volume]\nVolumeName=data\n", "v"],
      ["pod", "[Pod]\nPodName=p\n", "p"],
    ];
    for (const [type, text, base] of pairs) {
      const a = { [`a/${base}1.${type}`]: text };
      const b = { [`b/${base}2.${type}`]: text };
      const desired = read(hostFiles(["a", "b"], { ...a, ...b }));
      assertBlocked(service(desired, "a"));
      assertBlocked(service(desired, "b"));
    }
  },
});

Deno.test({
  name: "blockTakeovers() blocks only the service whose unit another quadlet folder provides",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["web", "ok"], {
      "web/manifest.yml": `Container:\n  Image: ${IMAGE}\n`,
      "ok/manifest.yml": `Container:\n  Image: ${IMAGE}\n`,
    }));
    const host = emptyHost();
    assert.equal(blockTakeovers(desired, host, QUADLET_DIR), desired, "nothing taken: unchanged");
    host.units.set("gitops-web.service", {
      ...unitState("inactive"),
      source: "/usr/share/containers/systemd/gitops-web.container",
    });
    const checked = blockTakeovers(desired, host, QUADLET_DIR);
    assertBlocked(service(checked, "web"));
    assert.equal(service(checked, "ok"), service(desired, "ok"));
  },
});
