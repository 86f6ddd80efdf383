import assert from "node:assert/strict";
import { desiredUnits } from "../../lib/desired/types.ts";
import {
  assertBlocked,
  hashLabel,
  HOST,
  hostFiles,
  read,
  readOne,
  ready,
  readyOne,
  SEED_CONFIG,
  seedFiles,
  service,
  unit,
} from "./helpers.ts";
import { PURE } from "../support/pure.ts";

/** The seed's service_a unit as hoist writes it, for a given hash. */
function seedUnitA(hash: string, wantedBy = "default.target"): string {
  return [
    "[Container]",
    "Label=gitops-service=service_a",
    `Label=gitops-hash=${hash}`,
    "ContainerName=caddy",
    "Image=docker.io/library/caddy:2.5.2-alpine",
    "Volume=/var/mnt/volumes/caddy:/data:z",
    `Volume=/var/lib/hoist/services/service_a/${hash}/service_a_config_file:/etc/caddy/Caddyfile:z`,
    "Network=host",
    "HostName=hostname_a",
    "",
    "[Install]",
    `WantedBy=${wantedBy}`,
    "",
  ].join("\n");
}

Deno.test({
  name:
    "readDesired() renders the seed's service_a manifest with labels, key order as written and default Install",
  permissions: PURE,
  fn() {
    const desired = read(seedFiles());
    assert.deepEqual(desired.problems, []);
    assert.equal(desired.root, HOST);
    assert.equal(desired.revision, "rev1");
    assert.deepEqual(desired.services.map((s) => s.name), ["service_a", "service_b"]);
    const a = ready(desired, "service_a");
    assert.deepEqual(a.problems, []);
    assert.match(a.hash, /^[0-9a-f]{16}$/);
    assert.equal(a.dir, `/var/lib/hoist/services/service_a/${a.hash}`);
    assert.equal(a.units.length, 1);
    const u = unit(a, "gitops-service_a.container");
    assert.equal(u.content, seedUnitA(a.hash));
    assert.equal(u.type, "container");
    assert.equal(u.serviceUnit, "gitops-service_a.service");
    assert.equal(u.entry, true);
    assert.equal(u.source, `${HOST}/service_a/manifest.yml`);
  },
});

Deno.test({
  name: "readDesired() installs manifests into multi-user.target in system mode",
  permissions: PURE,
  fn() {
    const a = ready(read(seedFiles(), { mode: "system" }), "service_a");
    assert.equal(
      unit(a, "gitops-service_a.container").content,
      seedUnitA(a.hash, "multi-user.target"),
    );
  },
});

Deno.test({
  name: "readDesired() keeps the seed's config files and pre script for the immutable copies",
  permissions: PURE,
  fn() {
    const desired = read(seedFiles());
    assert.deepEqual(desired.hosts[0]!.scripts, { pre: "mkdir -p /var/mnt/volumes/caddy\n" });
    const a = ready(desired, "service_a");
    assert.deepEqual(a.files.map((f) => f.path), ["service_a_config_file"]);
    assert.equal(new TextDecoder().decode(a.files[0]!.data), ':80 {\n  respond "hello"\n}\n');
    assert.match(a.files[0]!.digest, /^[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(a.inputs).sort(), ["manifest.yml", "service_a_config_file"]);
    assert.equal(a.inputs["service_a_config_file"], a.files[0]!.digest);
  },
});

Deno.test({
  name: "readDesired() keeps an Install section the manifest sets and adds no default",
  permissions: PURE,
  fn() {
    const x = readyOne("x", {
      "manifest.yml": "Install:\n  WantedBy: multi-user.target\nContainer:\n  Image: a\n",
    });
    assert.equal(
      unit(x, "gitops-x.container").content,
      [
        "[Install]",
        "WantedBy=multi-user.target",
        "",
        "[Container]",
        "Label=gitops-service=x",
        `Label=gitops-hash=${x.hash}`,
        "Image=a",
        "",
      ].join("\n"),
    );
  },
});

Deno.test({
  name: "readDesired() renders sections and keys in the order written, not alphabetically",
  permissions: PURE,
  fn() {
    const x = readyOne("x", {
      "manifest.yml": [
        "Service:",
        "  Restart: always",
        "Container:",
        "  PublishPort: [8080:80, 8443:443]",
        "  Image: a",
        "  Environment: [Z=1, A=2]",
        "Unit:",
        "  Description: x",
        "",
      ].join("\n"),
    });
    assert.equal(
      unit(x, "gitops-x.container").content,
      [
        "[Service]",
        "Restart=always",
        "",
        "[Container]",
        "Label=gitops-service=x",
        `Label=gitops-hash=${x.hash}`,
        "PublishPort=8080:80",
        "PublishPort=8443:443",
        "Image=a",
        "Environment=Z=1",
        "Environment=A=2",
        "",
        "[Unit]",
        "Description=x",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
      ].join("\n"),
    );
  },
});

Deno.test({
  name: "readDesired() renders a Network manifest as a .network unit without container labels",
  permissions: PURE,
  fn() {
    const x = readyOne("x", { "manifest.yml": "Network:\n  Subnet: 10.89.0.0/24\n" });
    const u = unit(x, "gitops-x.network");
    assert.equal(u.type, "network");
    assert.equal(u.serviceUnit, "gitops-x-network.service");
    assert.equal(u.entry, false);
    assert.equal(
      u.content,
      "[Network]\nSubnet=10.89.0.0/24\n\n[Install]\nWantedBy=default.target\n",
    );
  },
});

Deno.test({
  name: "readDesired() names the generated service after ServiceName= and marks pod members",
  permissions: PURE,
  fn() {
    const x = readyOne("x", {
      "manifest.yml": "Container:\n  Image: a\n  ServiceName: custom\n  Pod: p.pod\n",
    });
    const u = unit(x, "gitops-x.container");
    assert.equal(u.serviceUnit, "custom.service");
    assert.equal(u.entry, false);
  },
});

Deno.test({
  name:
    "readDesired() deploys raw quadlet files under gitops-<svc>/ with labels only in [Container]",
  permissions: PURE,
  fn() {
    const app = "[Unit]\nDescription=app\n\n[Container]\nImage=a\nNetwork=net.network\n";
    const net = "[Network]\nSubnet=10.0.0.0/24\nLabel=app=x\n";
    const vol = "[Volume]\nLabel=keep=1\n";
    const x = readyOne("x", {
      "app.container": app,
      "net.network": net,
      "data.volume": vol,
      "app.conf": "k=v\n",
    });
    assert.deepEqual(x.problems, []);
    assert.deepEqual(x.units.map((u) => u.path), [
      "gitops-x/app.container",
      "gitops-x/data.volume",
      "gitops-x/net.network",
    ]);
    assert.equal(
      unit(x, "gitops-x/app.container").content,
      "[Unit]\nDescription=app\n\n[Container]\nLabel=gitops-service=x\n" +
        `Label=gitops-hash=${x.hash}\nImage=a\nNetwork=net.network\n`,
    );
    assert.equal(unit(x, "gitops-x/net.network").content, net);
    assert.equal(unit(x, "gitops-x/data.volume").content, vol);
    assert.deepEqual(
      x.units.map((u) => [u.path, u.type, u.serviceUnit, u.entry]),
      [
        ["gitops-x/app.container", "container", "app.service", true],
        ["gitops-x/data.volume", "volume", "data-volume.service", false],
        ["gitops-x/net.network", "network", "net-network.service", false],
      ],
    );
    assert.deepEqual(x.files.map((f) => f.path), ["app.conf"], "unit sources are not copied");
  },
});

Deno.test({
  name: "readDesired() renders a manifest and raw quadlet files of one service side by side",
  permissions: PURE,
  fn() {
    const x = readyOne("x", {
      "manifest.yml": "Container:\n  Image: a\n  Network: x.network\n",
      "x.network": "[Network]\n",
    });
    assert.deepEqual(x.units.map((u) => u.path), ["gitops-x.container", "gitops-x/x.network"]);
    assert.equal(hashLabel(unit(x, "gitops-x.container").content), x.hash);
  },
});

Deno.test({
  name:
    "readDesired() replaces ${SERVICE_DIR}, ${HOST_DIR}, ${SERVICE} and ${HASH} and leaves ${OTHER}",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["x"], {
      "x/manifest.yml": [
        "Container:",
        "  Image: a",
        "  Environment:",
        "    - D=${SERVICE_DIR}",
        "    - H=${HOST_DIR}/shared.env",
        "    - S=${SERVICE}",
        "    - X=${HASH}",
        "    - O=${OTHER} $HOME ${SERVICE_DIRX} ${service}",
        "",
      ].join("\n"),
      "shared.env": "A=1\n",
    }));
    const x = ready(desired, "x");
    const env = unit(x, "gitops-x.container").content.split("\n")
      .filter((l) => l.startsWith("Environment="));
    assert.deepEqual(env, [
      `Environment=D=/var/lib/hoist/services/x/${x.hash}`,
      `Environment=H=${desired.hosts[0]!.dir}/shared.env`,
      "Environment=S=x",
      `Environment=X=${x.hash}`,
      "Environment=O=${OTHER} $HOME ${SERVICE_DIRX} ${service}",
    ]);
    assert.equal(x.dir, `/var/lib/hoist/services/x/${x.hash}`);
    assert.match(desired.hosts[0]!.dir, /^\/var\/lib\/hoist\/host\/[0-9a-f]{16}$/);
  },
});

Deno.test({
  name: "readDesired() templates raw quadlet files too",
  permissions: PURE,
  fn() {
    const x = readyOne("x", {
      "app.container":
        "[Container]\nImage=a\nVolume=${SERVICE_DIR}/conf:/c\nEnvironment=N=${SERVICE}\n",
      "conf": "c\n",
    });
    const content = unit(x, "gitops-x/app.container").content;
    assert.match(content, new RegExp(`^Volume=/var/lib/hoist/services/x/${x.hash}/conf:/c$`, "m"));
    assert.match(content, /^Environment=N=x$/m);
  },
});

Deno.test({
  name: "readDesired() copies the host folder's own files, leaving out config.yml and services",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["x"], {
      "x/manifest.yml": "Container:\n  Image: a\n",
      "shared.env": "A=1\n",
      "scripts/setup.sh": "true\n",
      "unlisted/manifest.yml": "Container:\n  Image: b\n",
    }));
    assert.deepEqual(desired.problems, []);
    assert.deepEqual(desired.hosts[0]!.files.map((f) => f.path), [
      "scripts/setup.sh",
      "shared.env",
      "unlisted/manifest.yml",
    ]);
    assert.equal(desired.hosts[0]!.dir, `/var/lib/hoist/host/${desired.hosts[0]!.hash}`);
  },
});

Deno.test({
  name: "readDesired() finds the host folder at the repository root when path is empty",
  permissions: PURE,
  fn() {
    const files = Object.fromEntries(
      Object.entries(seedFiles()).map(([p, e]) => [p.slice("gitops/".length), e]),
    );
    const desired = read(files, { path: "" });
    assert.deepEqual(desired.problems, []);
    assert.equal(desired.root, "hostname_a");
    assert.deepEqual(desired.services.map((s) => s.name), ["service_a", "service_b"]);
  },
});

Deno.test({
  name: "readDesired() reads a config.yml without services as an empty host",
  permissions: PURE,
  fn() {
    for (const config of ["", "services:\n", "pre:\n  script: echo hi\n"]) {
      const desired = read({ [`${HOST}/config.yml`]: config });
      assert.deepEqual(desired.problems, [], JSON.stringify(config));
      assert.deepEqual(desired.services, []);
    }
  },
});

Deno.test({
  name: "readDesired() sorts services by name whatever the order in config.yml",
  permissions: PURE,
  fn() {
    const m = "Container:\n  Image: a\n";
    const desired = read(hostFiles(["zeta", "alpha", "mid"], {
      "zeta/manifest.yml": m,
      "alpha/manifest.yml": m,
      "mid/manifest.yml": m,
    }));
    assert.deepEqual(desired.services.map((s) => s.name), ["alpha", "mid", "zeta"]);
  },
});

Deno.test({
  name: "readDesired() derives dependsOn from Unit.Requires=gitops-b.service and Network=x.network",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["a", "b", "c", "d"], {
      "a/manifest.yml": [
        "Unit:",
        "  Requires: gitops-b.service",
        "  After: [gitops-b.service, network-online.target]",
        "Container:",
        "  Image: a",
        "  Network: x.network",
        "",
      ].join("\n"),
      "b/manifest.yml": "Container:\n  Image: b\n",
      "c/x.network": "[Network]\n",
      "d/app.container":
        "[Unit]\nWants=gitops-a.service\n[Container]\nImage=d\nVolume=v.volume:/v\n",
      "d/v.volume": "[Volume]\n",
    }));
    assert.deepEqual(
      desired.services.map((s) => [s.name, s.dependsOn]),
      [["a", ["b", "c"]], ["b", []], ["c", []], ["d", ["a"]]],
    );
  },
});

Deno.test({
  name: "readDesired() blocks both services shipping the same unit name, each naming the other",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["a", "b", "c"], {
      "a/web.container": "[Container]\nImage=a\n",
      "b/web.container": "[Container]\nImage=b\n",
      "c/manifest.yml": "Container:\n  Image: c\n",
    }));
    for (const [name, other] of [["a", "b"], ["b", "a"]] as const) {
      const s = service(desired, name);
      assertBlocked(s);
      assert.equal(s.problems.length, 1);
      assert.equal(s.problems[0]!.level, "error");
      assert.equal(s.problems[0]!.file, `${HOST}/${name}/web.container`);
      assert.equal(s.problems[0]!.message, `web.container is also defined by service ${other}`);
    }
    assert.equal(ready(desired, "c").units.length, 1, "an unrelated service still renders");
  },
});

Deno.test({
  name: "readDesired() blocks a raw file that takes the unit name another service's manifest gets",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["a", "web"], {
      "a/gitops-web.container": "[Container]\nImage=a\n",
      "web/manifest.yml": "Container:\n  Image: web\n",
    }));
    assert.match(service(desired, "a").problems[0]!.message, /also defined by service web$/);
    assert.match(service(desired, "web").problems[0]!.message, /also defined by service a$/);
    assert.deepEqual(desired.services.map((s) => desiredUnits(s).length), [0, 0]);
  },
});

Deno.test({
  name: "readDesired() blocks two services whose different files generate the same service",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["a", "b"], {
      "a/web.container": "[Container]\nImage=a\n",
      "b/web.kube": "[Kube]\nYaml=web.yml\n",
      "b/web.yml": "kind: Pod\n",
    }));
    assert.equal(
      service(desired, "a").problems[0]!.message,
      "web.service is also defined by service b",
    );
    assert.equal(
      service(desired, "b").problems[0]!.message,
      "web.service is also defined by service a",
    );
  },
});

Deno.test({
  name: "readDesired() follows a symlink that stays inside the service folder",
  permissions: PURE,
  fn() {
    const x = readyOne("x", {
      "manifest.yml": "Container:\n  Image: a\n  Volume: ${SERVICE_DIR}/conf:/c\n",
      "real/conf": "data\n",
      "conf": { symlink: "real/conf" },
    });
    assert.deepEqual(x.problems, []);
    const conf = x.files.find((f) => f.path === "conf");
    assert.equal(new TextDecoder().decode(conf!.data), "data\n");
  },
});

Deno.test({
  name: "readDesired() accepts binary and large data files next to the manifest",
  permissions: PURE,
  fn() {
    const big = new Uint8Array(1024 * 1024).fill(0xff);
    const x = readyOne("x", {
      "manifest.yml": "Container:\n  Image: a\n",
      "logo.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]),
      "data.bin": big,
    });
    assert.deepEqual(x.problems, []);
    assert.deepEqual(x.files.map((f) => [f.path, f.data.length]), [
      ["data.bin", big.length],
      ["logo.png", 6],
    ]);
  },
});

Deno.test({
  name: "readDesired() points a listed service without folder at its line in config.yml",
  permissions: PURE,
  fn() {
    const desired = read({ [`${HOST}/config.yml`]: SEED_CONFIG });
    assert.deepEqual(
      desired.services.map((s) => [s.name, s.problems[0]?.file, s.problems[0]?.line]),
      [["service_a", `${HOST}/config.yml`, 5], ["service_b", `${HOST}/config.yml`, 6]],
    );
  },
});

Deno.test({
  name: "readDesired() blocks a service whose own files generate the same systemd service twice",
  permissions: PURE,
  fn() {
    const web = readOne("web", {
      "manifest.yml": "Container:\n  Image: a\n",
      "gitops-web.container": "[Container]\nImage=b\n",
    });
    assert.deepEqual(desiredUnits(web), []);
    assert.match(web.problems[0]?.message ?? "", /gitops-web\.(container|service)/);
  },
});
