import assert from "node:assert/strict";
import {
  generatedServiceName,
  UNIT_FILE_NAME,
  unitTypeOf,
} from "../../lib/desired/quadlet_names.ts";
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
