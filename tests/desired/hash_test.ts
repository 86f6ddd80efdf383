import assert from "node:assert/strict";
import {
  type FakeEntry,
  hashLabel,
  HOST,
  hostFiles,
  OPTS,
  read,
  ready,
  repoTree,
  SEED_MANIFEST_A,
  seedFiles,
  unit,
} from "./helpers.ts";
import { readDesired } from "../../lib/desired/read_desired.ts";
import { PURE } from "../support/pure.ts";

const MANIFEST_A = `${HOST}/service_a/manifest.yml`;
const CONFIG_A = `${HOST}/service_a/service_a_config_file`;

/** The seed with some files replaced (or added). */
function seedWith(changes: Record<string, FakeEntry>): Record<string, FakeEntry> {
  return { ...seedFiles(), ...changes };
}

function hashOf(files: Record<string, FakeEntry>, name = "service_a"): string {
  const h = ready(read(files), name).hash;
  assert.match(h, /^[0-9a-f]{16}$/);
  return h;
}

Deno.test({
  name: "readDesired() puts the service hash in the gitops-hash label and the copy folder",
  permissions: PURE,
  fn() {
    const a = ready(read(seedFiles()), "service_a");
    assert.equal(hashLabel(unit(a, "gitops-service_a.container").content), a.hash);
    assert.equal(a.dir.split("/").pop(), a.hash);
  },
});

Deno.test({
  name: "readDesired() gives the same hash for a comment-only change in manifest.yml",
  permissions: PURE,
  fn() {
    const commented = "# caddy, see README\n" +
      SEED_MANIFEST_A.replace("  Image:\n", "  # pinned on purpose\n  Image: # the image\n") +
      "# end\n";
    assert.equal(hashOf(seedWith({ [MANIFEST_A]: commented })), hashOf(seedFiles()));
  },
});

Deno.test({
  name:
    "readDesired() gives the same hash when manifest values are reformatted (scalar, flow, quotes)",
  permissions: PURE,
  fn() {
    const reformatted = [
      "Container:",
      "  ContainerName: caddy",
      "  Image: 'docker.io/library/caddy:2.5.2-alpine'",
      '  Volume: [/var/mnt/volumes/caddy:/data:z, "${SERVICE_DIR}/service_a_config_file:/etc/caddy/Caddyfile:z"]',
      "  Network: [host]",
      "  HostName: >-",
      "    hostname_a",
      "",
    ].join("\n");
    const before = ready(read(seedFiles()), "service_a");
    const after = ready(read(seedWith({ [MANIFEST_A]: reformatted })), "service_a");
    assert.equal(after.hash, before.hash);
    assert.equal(after.units[0]!.content, before.units[0]!.content);
  },
});

Deno.test({
  name:
    "readDesired() keeps the hash when manifest keys are reordered, and writes them in the manifest's order",
  permissions: PURE,
  fn() {
    const reordered = SEED_MANIFEST_A.replace(
      "  Network:\n    - host\n  HostName:\n    - hostname_a\n",
      "  HostName:\n    - hostname_a\n  Network:\n    - host\n",
    );
    assert.notEqual(reordered, SEED_MANIFEST_A);
    const before = ready(read(seedFiles()), "service_a");
    const after = ready(read(seedWith({ [MANIFEST_A]: reordered })), "service_a");
    assert.equal(after.hash, before.hash);
    assert.deepEqual(after.inputs, before.inputs);
    const content = unit(after, "gitops-service_a.container").content;
    assert.ok(content.indexOf("HostName=") < content.indexOf("Network="), content);
  },
});

Deno.test({
  name:
    "readDesired() keeps the hash of a raw quadlet for moved keys and sections, comments, spacing and unit-set order",
  permissions: PURE,
  fn() {
    const files = (text: string) => hostFiles(["x"], { "x/app.container": text });
    const base = hashOf(
      files(
        "[Unit]\nAfter=a.service b.service\nRequires=a.service\n\n[Container]\nImage=img\n" +
          "Environment=A=1\nEnvironment=B=2\nPublishPort=8080:80\n\n[Install]\nWantedBy=default.target\n",
      ),
      "x",
    );
    const same = [
      // sections and keys moved, comments and blank lines, spaces around '='
      "# the app\n[Install]\nWantedBy=default.target\n[Container]\nPublishPort = 8080:80\n" +
      "Environment=A=1\n; set B too\nEnvironment=B=2\nImage=img\n[Unit]\nRequires=a.service\n" +
      "After=a.service b.service\n",
      // After= as two lines in the other order
      "[Unit]\nAfter=b.service\nAfter=a.service\nRequires=a.service\n[Container]\nImage=img\n" +
      "Environment=A=1\nEnvironment=B=2\nPublishPort=8080:80\n[Install]\nWantedBy=default.target\n",
    ];
    for (const text of same) assert.equal(hashOf(files(text), "x"), base, text);
  },
});

Deno.test({
  name:
    "readDesired() changes the hash when repeated values whose order counts are reordered (Environment, PublishPort, Volume, ExecStartPre)",
  permissions: PURE,
  fn() {
    const files = (lines: readonly string[]) =>
      hostFiles(["x"], { "x/app.container": `[Container]\nImage=img\n${lines.join("\n")}\n` });
    const pairs: [string, string][] = [
      ["Environment=A=1", "Environment=A=2"],
      ["PublishPort=8080:80", "PublishPort=8081:81"],
      ["Volume=/a:/data", "Volume=/b:/data"],
    ];
    for (const [one, two] of pairs) {
      assert.notEqual(hashOf(files([one, two]), "x"), hashOf(files([two, one]), "x"), one);
    }
    const service = (a: string, b: string) =>
      hostFiles(["x"], {
        "x/app.container":
          `[Container]\nImage=img\n[Service]\nExecStartPre=${a}\nExecStartPre=${b}\n`,
      });
    assert.notEqual(
      hashOf(service("/bin/a", "/bin/b"), "x"),
      hashOf(service("/bin/b", "/bin/a"), "x"),
    );
    // an empty assignment resets a unit list: its place counts
    const reset = (lines: readonly string[]) =>
      hostFiles(["x"], {
        "x/app.container": `[Unit]\n${lines.join("\n")}\n[Container]\nImage=img\n`,
      });
    assert.notEqual(
      hashOf(reset(["After=a.service", "After="]), "x"),
      hashOf(reset(["After=", "After=a.service"]), "x"),
    );
  },
});

Deno.test({
  name:
    "readDesired() gives each service its hash under scheme 1 too, as hoist deployed it before the canonical hash",
  permissions: PURE,
  fn() {
    // the seed's hashes as hoist computed them up to commit 1d91c21 (unit text as written)
    const a = ready(read(seedFiles()), "service_a");
    const b = ready(read(seedFiles()), "service_b");
    assert.equal(a.legacyHash, "90e0faa9d0ab1a3e");
    assert.equal(b.legacyHash, "ac850358f16b25e2");
    assert.notEqual(a.hash, a.legacyHash);
  },
});

Deno.test({
  name: "readDesired() changes the hash when a config file next to the manifest is edited",
  permissions: PURE,
  fn() {
    const before = ready(read(seedFiles()), "service_a");
    const after = ready(
      read(seedWith({ [CONFIG_A]: ':80 {\n  respond "bye"\n}\n' })),
      "service_a",
    );
    assert.notEqual(after.hash, before.hash);
    assert.equal(after.inputs["manifest.yml"], before.inputs["manifest.yml"]);
    assert.notEqual(after.inputs["service_a_config_file"], before.inputs["service_a_config_file"]);
    assert.equal(
      ready(read(seedWith({ [CONFIG_A]: "changed\n" })), "service_b").hash,
      ready(read(seedFiles()), "service_b").hash,
      "another service's hash does not move",
    );
  },
});

Deno.test({
  name: "readDesired() changes the hash when a file is added, renamed or changed in a subfolder",
  permissions: PURE,
  fn() {
    const base = hashOf(seedWith({ [`${HOST}/service_a/conf/site.txt`]: "a\n" }));
    assert.notEqual(hashOf(seedFiles()), base);
    assert.notEqual(hashOf(seedWith({ [`${HOST}/service_a/conf/site.txt`]: "b\n" })), base);
    assert.notEqual(hashOf(seedWith({ [`${HOST}/service_a/conf/other.txt`]: "a\n" })), base);
  },
});

Deno.test({
  name: "readDesired() changes the hash of a raw quadlet service when a unit file changes",
  permissions: PURE,
  fn() {
    const files = (image: string) =>
      hostFiles(["x"], {
        "x/app.container": `[Container]\nImage=${image}\n`,
        "x/net.network": "[Network]\n",
      });
    assert.notEqual(hashOf(files("a:1"), "x"), hashOf(files("a:2"), "x"));
    assert.equal(hashOf(files("a:1"), "x"), hashOf(files("a:1"), "x"));
  },
});

Deno.test({
  name: "readDesired() changes the hash of ${HOST_DIR} users, and only theirs, with host files",
  permissions: PURE,
  fn() {
    const files = (shared: string) =>
      hostFiles(["user", "other"], {
        "user/manifest.yml": "Container:\n  Image: a\n  EnvironmentFile: ${HOST_DIR}/shared.env\n",
        "other/manifest.yml": "Container:\n  Image: b\n",
        "shared.env": shared,
      });
    const before = read(files("A=1\n"));
    const after = read(files("A=2\n"));
    assert.notEqual(before.hosts[0]!.hash, after.hosts[0]!.hash);
    assert.notEqual(ready(after, "user").hash, ready(before, "user").hash);
    assert.equal(ready(after, "other").hash, ready(before, "other").hash);
    assert.equal(ready(after, "user").inputs["${HOST_DIR}"], after.hosts[0]!.hash);
    assert.equal(ready(after, "other").inputs["${HOST_DIR}"], undefined);
  },
});

Deno.test({
  name: "readDesired() keeps hashes when only the revision or state_dir changes",
  permissions: PURE,
  fn() {
    const a = ready(readDesired(repoTree(seedFiles(), "rev1"), OPTS), "service_a");
    const b = ready(
      readDesired(repoTree(seedFiles(), "rev2"), { ...OPTS, stateDir: "/srv/hoist" }),
      "service_a",
    );
    assert.equal(b.hash, a.hash);
    assert.equal(b.dir, `/srv/hoist/services/service_a/${a.hash}`);
  },
});

Deno.test({
  name: "readDesired() changes the hash when the mode changes the default Install target",
  permissions: PURE,
  fn() {
    assert.notEqual(
      ready(read(seedFiles(), { mode: "system" }), "service_a").hash,
      hashOf(seedFiles()),
    );
  },
});
