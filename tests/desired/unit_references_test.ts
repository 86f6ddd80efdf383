import assert from "node:assert/strict";
import { serviceDependencies, unitReferences } from "../../lib/desired/unit_references.ts";

const cases: { name: string; unit: string; refs: string[] }[] = [
  {
    name: "a Network= with an alias and an IP names only the network",
    unit: "[Container]\nNetwork=blog_default.network:alias=db.volume,ip=10.89.0.5\n",
    refs: ["blog_default.network"],
  },
  {
    name: "a Volume= with a target and options names only the volume",
    unit: "[Container]\nVolume=data.volume:/srv/gitops-db.service:ro\n",
    refs: ["data.volume"],
  },
  {
    name: "a Mount= names its source, not its other fields",
    unit: "[Container]\nMount=type=volume,source=data.volume,destination=/x.network\n",
    refs: ["data.volume"],
  },
  {
    name: "a Mount= written with src=",
    unit: "[Container]\nMount=type=volume,src=data.volume,dst=/d\n",
    refs: ["data.volume"],
  },
  {
    name: "[Unit] dependencies list every unit",
    unit: "[Unit]\nRequires=a.service b.service\nAfter=c.service\n",
    refs: ["a.service", "b.service", "c.service"],
  },
  {
    name: "Image= and Pod= name their unit files",
    unit: "[Container]\nImage=app.image\nPod=p.pod\n",
    refs: ["app.image", "p.pod"],
  },
];

for (const c of cases) {
  Deno.test({
    name: `unitReferences(): ${c.name}`,
    permissions: "none",
    fn() {
      assert.deepEqual(unitReferences(c.unit), c.refs);
    },
  });
}

Deno.test({
  name: "serviceDependencies(): an alias equal to another service's unit name is no dependency",
  permissions: "none",
  fn() {
    const units = new Map([
      ["web", ["[Container]\nNetwork=web.network:alias=gitops-db.service,ip=10.0.0.2\n"]],
      ["db", ["[Container]\nImage=a\n"]],
      ["net", ["[Network]\n"]],
    ]);
    const owner = new Map([
      ["gitops-db.service", "db"],
      ["web.network", "net"],
    ]);
    assert.deepEqual(
      serviceDependencies(units, owner),
      new Map([["db", []], ["net", []], ["web", ["net"]]]),
    );
  },
});
