import assert from "node:assert/strict";
import { generatorLine } from "../../lib/desired/block_invalid.ts";
import { parsePodmanPs } from "../../lib/adapters/podman.ts";
import { parseQuadletErrors } from "../../lib/adapters/quadlet.ts";
import { parseShow } from "../../lib/adapters/systemctl.ts";

// Shape of `podman ps -a --format json` (podman 5.4), trimmed to a few fields per row.
const PS = JSON.stringify([
  {
    Id: "9ea3e4b4e69d0000",
    Names: ["systemd-gitops-web"],
    State: "running",
    StartedAt: 1795348444,
    Labels: {
      PODMAN_SYSTEMD_UNIT: "gitops-web.service",
      "gitops-service": "web",
      "gitops-hash": "c1d1de21f3c009ac",
    },
  },
  { Id: "1111", Names: ["someone-else"], State: "running", StartedAt: 1, Labels: { app: "x" } },
  {
    Id: "2222",
    Names: ["systemd-gitops-api"],
    State: "exited",
    StartedAt: 2,
    Labels: { "gitops-service": "api" },
  },
  { Id: "3333", Names: ["unlabelled"], State: "running", StartedAt: 3, Labels: null },
]);

Deno.test({
  name: "parsePodmanPs() keeps only containers labelled gitops-service, with hash, unit and state",
  permissions: "none",
  fn() {
    assert.deepEqual(parsePodmanPs(PS), [
      {
        id: "2222",
        name: "systemd-gitops-api",
        state: "exited",
        service: "api",
        hash: "",
        unit: "",
        startedAt: 2,
      },
      {
        id: "9ea3e4b4e69d0000",
        name: "systemd-gitops-web",
        state: "running",
        service: "web",
        hash: "c1d1de21f3c009ac",
        unit: "gitops-web.service",
        startedAt: 1795348444,
      },
    ]);
  },
});

Deno.test({
  name: "parsePodmanPs() reads empty output and podman 4's null as no containers",
  permissions: "none",
  fn() {
    assert.deepEqual(parsePodmanPs(""), []);
    assert.deepEqual(parsePodmanPs("null\n"), []);
    assert.deepEqual(parsePodmanPs("[]\n"), []);
  },
});

Deno.test({
  name: "parseShow() splits systemctl show blocks by unit, unknown units stay not-found",
  permissions: "none",
  fn() {
    const text = "Id=gitops-web.service\nLoadState=loaded\nActiveState=active\nSubState=running\n" +
      "SourcePath=/etc/containers/systemd/gitops-web.container\n" +
      "FragmentPath=/run/systemd/generator/gitops-web.service\n\n" +
      "Id=gone.service\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nSourcePath=\nFragmentPath=\n\n" +
      "Id=sshd.service\nLoadState=loaded\nActiveState=active\nSubState=running\nSourcePath=\n" +
      "FragmentPath=/usr/lib/systemd/system/sshd.service\n";
    const states = parseShow(text);
    assert.deepEqual(states.get("gitops-web.service"), {
      load: "loaded",
      active: "active",
      sub: "running",
      source: "/etc/containers/systemd/gitops-web.container",
    });
    assert.deepEqual(states.get("gone.service"), {
      load: "not-found",
      active: "inactive",
      sub: "dead",
      source: "",
    });
    assert.equal(states.get("sshd.service")?.source, "/usr/lib/systemd/system/sshd.service");
    assert.equal(states.size, 3);
  },
});

Deno.test({
  name: "parseQuadletErrors() maps generator messages to file names (quadlet 5.4 stderr)",
  permissions: "none",
  fn() {
    const stderr = `quadlet-generator[1790]: Loading source unit file /tmp/u/a.container
quadlet-generator[1790]: converting "bad.container": unsupported key 'Foo' in group 'Container' in /tmp/u/bad.container
converting "c.container": requested Quadlet unit nope.network was not found
`;
    assert.deepEqual(
      [...parseQuadletErrors(stderr)],
      [
        ["bad.container", "unsupported key 'Foo' in group 'Container'"],
        ["c.container", "requested Quadlet unit nope.network was not found"],
      ],
    );
  },
});

Deno.test({
  name: "generatorLine() places quadlet's 'unsupported key' on the key's line in the source file",
  permissions: "none",
  fn() {
    const lines = { "Container.Image": 2, "Container.Frobnicate": 3 };
    assert.equal(
      generatorLine("unsupported key 'Frobnicate' in group 'Container' in /x", lines),
      3,
    );
    assert.equal(generatorLine("unsupported key 'Frobnicate' in group 'Pod'", lines), undefined);
    assert.equal(generatorLine("no Image or Rootfs key specified", lines), undefined);
  },
});
