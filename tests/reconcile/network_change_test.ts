import assert from "node:assert/strict";
import { configYml, deployed, desiredFrom, plan } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const files = (label: string, name = "") => ({
  "config.yml": configYml(["c"]),
  "c/c.container": "[Container]\nImage=docker.io/library/busybox:1.36\nNetwork=c-net.network\n",
  "c/c-net.network": `[Network]\nLabel=v=${label}\n${name}`,
  "c/c-data.volume": "[Volume]\nLabel=v=1\n",
});

Deno.test({
  name: "reconcile() warns that a changed .network needs the network recreated, naming it and how",
  permissions: PURE,
  fn() {
    const p = plan(desiredFrom(files("2"), "rev2"), deployed(desiredFrom(files("1"))));
    const w = p.problems.filter((x) => x.level === "warning");
    assert.equal(w.length, 1);
    assert.match(
      w[0]!.message,
      /gitops-c\/c-net\.network changed, but podman keeps the existing network systemd-c-net as it is: recreate it/,
    );
    assert.match(w[0]!.hint ?? "", /podman network rm systemd-c-net/);
    assert.ok(
      p.actions.some((a) => a.kind === "restart" && a.units.includes("c-net-network.service")),
    );
  },
});

Deno.test({
  name:
    "reconcile() names the network by NetworkName= when set, and says nothing on a first install",
  permissions: PURE,
  fn() {
    const p = plan(
      desiredFrom(files("2", "NetworkName=shared\n"), "rev2"),
      deployed(desiredFrom(files("1", "NetworkName=shared\n"))),
    );
    assert.match(p.problems[0]?.message ?? "", /existing network shared /);
    const first = plan(desiredFrom(files("1")), {
      ...deployed(desiredFrom(files("1"))),
      files: new Map(),
    });
    assert.deepEqual(first.problems.filter((x) => x.level === "warning"), []);
  },
});

Deno.test({
  name: "reconcile() warns that recreating a changed volume deletes its data",
  permissions: PURE,
  fn() {
    const changed = { ...files("1"), "c/c-data.volume": "[Volume]\nLabel=v=2\n" };
    const p = plan(desiredFrom(changed, "rev2"), deployed(desiredFrom(files("1"))));
    assert.match(p.problems[0]?.message ?? "", /existing volume systemd-c-data/);
    assert.match(p.problems[0]?.hint ?? "", /deletes its data/);
  },
});
