/**
 * reconcile() never takes over what hoist does not own: unit names systemd already loads from
 * another file, and containers that only claim a service by label.
 */
import assert from "node:assert/strict";
import {
  configYml,
  deployed,
  desiredFrom,
  emptyHost,
  manifest,
  plan,
  planLines,
  svc,
  unitState,
} from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const IMAGE = "docker.io/library/busybox:1.36";

Deno.test({
  name:
    "reconcile() blocks a raw unit whose name systemd already loads from an admin's quadlet file",
  permissions: PURE,
  fn() {
    const desired = desiredFrom({
      "config.yml": configYml(["web", "api"]),
      "web/db.container": `[Container]\nImage=${IMAGE}\n`,
      "api/manifest.yml": manifest(IMAGE),
    });
    const host = emptyHost();
    host.units.set("db.service", {
      ...unitState("active"),
      source: "/etc/containers/systemd/db.container",
    });
    const p = plan(desired, host);
    const error = p.problems.find((x) => x.service === "web");
    assert.match(
      error?.message ?? "",
      /^db\.service already exists on this host \(from \/etc\/containers\/systemd\/db\.container\), and hoist does not own it$/,
    );
    assert.ok(
      !p.actions.some((a) => "service" in a && a.service === "web"),
      planLines(p).join("\n"),
    );
    assert.ok(
      p.actions.some((a) => a.kind === "start" && a.service === "api"),
      "other services still deploy",
    );
  },
});

Deno.test({
  name:
    "reconcile() refuses ServiceName= that would replace a distribution unit such as sshd.service",
  permissions: PURE,
  fn() {
    const desired = desiredFrom({
      "config.yml": configYml(["web"]),
      "web/manifest.yml": `Container:\n  Image: ${IMAGE}\n  ServiceName: sshd\n`,
    });
    assert.equal(svc(desired, "web").units[0]!.serviceUnit, "sshd.service");
    const host = emptyHost();
    host.units.set("sshd.service", {
      ...unitState("active"),
      source: "/usr/lib/systemd/system/sshd.service",
    });
    const p = plan(desired, host);
    assert.match(p.problems[0]?.message ?? "", /sshd\.service already exists on this host/);
    assert.deepEqual(p.actions, []);
  },
});

Deno.test({
  name:
    "reconcile() adopts a unit loaded from the very file hoist would write (a homelab-gitops install)",
  permissions: PURE,
  fn() {
    const desired = desiredFrom({
      "config.yml": configYml(["web"]),
      "web/manifest.yml": manifest(IMAGE),
    });
    const host = emptyHost();
    host.units.set("gitops-web.service", {
      ...unitState("inactive"),
      source: "/home/core/.config/containers/systemd/gitops-web.container",
    });
    const p = plan(desired, host);
    assert.deepEqual(p.problems, []);
    assert.ok(p.actions.some((a) => a.kind === "start" && a.service === "web"));
  },
});

Deno.test({
  name:
    "reconcile() ignores a container that claims a service by label but was not started by its unit",
  permissions: PURE,
  fn() {
    const desired = desiredFrom({
      "config.yml": configYml(["web"]),
      "web/manifest.yml": manifest(IMAGE),
    });
    const host = deployed(desired);
    host.containers.push({
      id: "impostor",
      name: "impostor",
      state: "running",
      service: "web",
      hash: "0000000000000000",
      unit: "other.service",
      startedAt: 1,
    });
    assert.deepEqual(
      plan(desired, host).actions,
      [],
      "no restart caused by the impostor's stale hash",
    );
  },
});
