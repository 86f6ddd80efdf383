import assert from "node:assert/strict";
import {
  generatedServiceName,
  lookupLast,
  nameRefusal,
  podmanObjects,
  serviceNameRefusal,
  UNIT_FILE_NAME,
  unitTypeOf,
} from "../../lib/desired/quadlet_names.ts";
import { unitEntries } from "../../lib/desired/unit_text.ts";
import { PURE } from "../support/pure.ts";

Deno.test({
  name: "unitTypeOf() knows the seven quadlet extensions and nothing else",
  permissions: PURE,
  fn() {
    assert.deepEqual(
      ["a.container", "a.network", "a.volume", "a.pod", "a.kube", "a.image", "a.build"].map(
        unitTypeOf,
      ),
      ["container", "network", "volume", "pod", "kube", "image", "build"],
    );
    for (
      const other of ["manifest.yml", "a.service", "container", "a.container.bak", "Caddyfile"]
    ) {
      assert.equal(unitTypeOf(other), undefined, other);
    }
  },
});

Deno.test({
  name: "generatedServiceName() follows quadlet's naming, honouring ServiceName=",
  permissions: PURE,
  fn() {
    assert.equal(generatedServiceName("gitops-web.container", "container"), "gitops-web.service");
    assert.equal(generatedServiceName("app.kube", "kube"), "app.service");
    assert.equal(generatedServiceName("net.network", "network"), "net-network.service");
    assert.equal(generatedServiceName("data.volume", "volume"), "data-volume.service");
    assert.equal(generatedServiceName("p.pod", "pod"), "p-pod.service");
    assert.equal(generatedServiceName("i.image", "image"), "i-image.service");
    assert.equal(generatedServiceName("b.build", "build"), "b-build.service");
    assert.equal(generatedServiceName("web.container", "container", "custom"), "custom.service");
  },
});

Deno.test({
  name: "UNIT_FILE_NAME refuses hidden, templated and path-like file names",
  permissions: PURE,
  fn() {
    for (const ok of ["web.container", "my_app-2.network", "A.volume"]) {
      assert.ok(UNIT_FILE_NAME.test(ok), ok);
    }
    for (
      const bad of [".web.container", "web@.container", "a b.container", "../x.container", "-x.pod"]
    ) {
      assert.ok(!UNIT_FILE_NAME.test(bad), bad);
    }
  },
});

// The names quadlet 5.4 passes through unchecked (docs/quadlet_parsing.md §5) and systemd's and
// podman's own grammars: hoist accepts only their intersection.
const NAME_CASES: readonly [string, string, boolean][] = [
  ["ServiceName", "web", true],
  ["ServiceName", "gitops-web_1.x", true],
  ["ServiceName", "a", true],
  ["ServiceName", "a".repeat(247), true], // + ".service" = 255 bytes
  ["ServiceName", "a".repeat(248), false],
  ["ServiceName", "../../../etc/systemd/system/evil", false],
  ["ServiceName", "a/b", false],
  ["ServiceName", "x.service", false],
  ["ServiceName", "has space", false],
  ["ServiceName", "a@b", false],
  ["ServiceName", "a@", false],
  ["ServiceName", '"quoted"', false],
  ["ServiceName", "é", false],
  ["ServiceName", "", false],
  ["ServiceName", "a;b", false],
  ["ServiceName", ".hidden", false],
  ["ServiceName", "\u00a0web", false],
  ["ServiceName", "\ufeffweb", false],
  ["ServiceName", "a=b", false],
  ["ServiceName", "%n", false],
  ["ContainerName", "caddy", true],
  ["ContainerName", "_x", false],
  ["ContainerName", "-x", false],
  ["PodName", "p.1", true],
  ["NetworkName", "--label=gitops-hash=x", false],
  ["VolumeName", "data", true],
  ["VolumeName", "a:b", false],
];

Deno.test({
  name: "nameRefusal() accepts only plain names within systemd's and podman's grammars",
  permissions: "none",
  fn() {
    for (const [key, value, ok] of NAME_CASES) {
      assert.equal(nameRefusal(key, value) === undefined, ok, `${key}=${JSON.stringify(value)}`);
    }
  },
});

Deno.test({
  name: "serviceNameRefusal() refuses generated names systemd would not load",
  permissions: "none",
  fn() {
    assert.equal(serviceNameRefusal("web-net-network.service"), undefined);
    assert.match(serviceNameRefusal(`${"n".repeat(240)}-network.service`) ?? "", /longer/);
    assert.match(serviceNameRefusal("a@b.service") ?? "", /not a plain unit name/);
  },
});

Deno.test({
  name: "lookupLast() reads a single key as quadlet's Lookup: the last one, quotes stripped",
  permissions: "none",
  fn() {
    const entries = unitEntries('[Container]\nServiceName=a\nServiceName=""svc" \n[Unit]\nX=1\n');
    assert.equal(lookupLast(entries, "Container", "ServiceName"), "svc");
    assert.equal(lookupLast(entries, "Unit", "ServiceName"), undefined);
  },
});

Deno.test({
  name: "podmanObjects() names the container, pod, network and volume as quadlet names them",
  permissions: "none",
  fn() {
    const objects = (
      path: string,
      type: Parameters<typeof podmanObjects>[0]["type"],
      text: string,
    ) =>
      podmanObjects(
        {
          path,
          type,
          serviceUnit: generatedServiceName(
            path.slice(path.lastIndexOf("/") + 1),
            type,
            lookupLast(unitEntries(text), "Container", "ServiceName"),
          ),
        },
        unitEntries(text),
      );
    assert.deepEqual(objects("gitops-web.container", "container", "[Container]\n"), [
      "container:systemd-gitops-web",
    ]);
    assert.deepEqual(objects("a/web.container", "container", "[Container]\nServiceName=svc\n"), [
      "container:systemd-svc",
    ]);
    assert.deepEqual(objects("web.container", "container", "[Container]\nContainerName=db\n"), [
      "container:db",
    ]);
    assert.deepEqual(objects("a/p.pod", "pod", "[Pod]\n"), [
      "pod:systemd-p",
      "container:systemd-p-infra",
    ]);
    assert.deepEqual(objects("p.pod", "pod", "[Pod]\nPodName=q\n"), ["pod:q", "container:q-infra"]);
    assert.deepEqual(objects("x/n.network", "network", "[Network]\n"), ["network:systemd-n"]);
    assert.deepEqual(objects("n.network", "network", "[Network]\nNetworkName=shared\n"), [
      "network:shared",
    ]);
    assert.deepEqual(objects("d.volume", "volume", "[Volume]\nVolumeName=data\n"), ["volume:data"]);
    assert.deepEqual(objects("k.kube", "kube", "[Kube]\n"), []);
  },
});
