import assert from "node:assert/strict";
import { parseManifest } from "../../lib/desired/parse_manifest.ts";
import { PURE } from "../support/pure.ts";

Deno.test({
  name: "parseManifest() keeps sections, keys and values in the order written, with lines",
  permissions: PURE,
  fn() {
    const { manifest, problems } = parseManifest(
      [
        "# web front",
        "Unit:",
        "  Description: web",
        "Container:",
        "  Image: docker.io/library/caddy:2",
        "  PublishPort:",
        "    - 8443:443",
        "    - 8080:80",
        "Install:",
        "  WantedBy: default.target",
        "",
      ].join("\n"),
      "m.yml",
    );
    assert.deepEqual(problems, []);
    assert.equal(manifest?.type, "container");
    assert.deepEqual(manifest?.sections, [
      { name: "Unit", line: 2, entries: [{ key: "Description", line: 3, values: ["web"] }] },
      {
        name: "Container",
        line: 4,
        entries: [
          { key: "Image", line: 5, values: ["docker.io/library/caddy:2"] },
          { key: "PublishPort", line: 6, values: ["8443:443", "8080:80"] },
        ],
      },
      {
        name: "Install",
        line: 9,
        entries: [{ key: "WantedBy", line: 10, values: ["default.target"] }],
      },
    ]);
  },
});

Deno.test({
  name: "parseManifest() reads one scalar and a one-item list alike, numbers and booleans as text",
  permissions: PURE,
  fn() {
    const a = parseManifest("Container:\n  Image: a\n  ReadOnly: true\n  ShmSize: 64\n", "m.yml");
    const b = parseManifest(
      "Container:\n  Image: [a]\n  ReadOnly: [true]\n  ShmSize: ['64']\n",
      "m.yml",
    );
    const values = (m: typeof a) => m.manifest?.sections[0]?.entries.map((e) => e.values);
    assert.deepEqual(values(a), [["a"], ["true"], ["64"]]);
    assert.deepEqual(values(b), values(a));
  },
});

Deno.test({
  name: "parseManifest() takes the unit kind from its one type section",
  permissions: PURE,
  fn() {
    const kinds = ["Container", "Pod", "Network", "Volume", "Kube", "Image", "Build"].map((s) =>
      parseManifest(`Unit:\n  Description: d\n${s}:\n  Label: a=b\n`, "m.yml").manifest?.type
    );
    assert.deepEqual(kinds, ["container", "pod", "network", "volume", "kube", "image", "build"]);
  },
});

Deno.test({
  name: "parseManifest() lets several values through for repeatable keys only",
  permissions: PURE,
  fn() {
    assert.deepEqual(
      parseManifest("Container:\n  Image: a\n  Volume: [/a:/a, /b:/b]\n", "m.yml").problems,
      [],
    );
    const { manifest, problems } = parseManifest(
      "Container:\n  Image: a\n  ContainerName: [x, y]\n",
      "gitops/h/web/manifest.yml",
      "web",
    );
    assert.equal(manifest, undefined);
    assert.deepEqual(problems, [{
      level: "error",
      message: "Container.ContainerName must be one value, got a list of 2",
      file: "gitops/h/web/manifest.yml",
      line: 3,
      hint: "Use one ContainerName= per unit",
      service: "web",
    }]);
  },
});

Deno.test({
  name: "parseManifest() collects every problem instead of stopping at the first",
  permissions: PURE,
  fn() {
    const { manifest, problems } = parseManifest(
      "Container:\n  Image: [a, b]\n  bad-key: x\n  Exec: 'a\\'\nNope: {}\n",
      "m.yml",
    );
    assert.equal(manifest, undefined);
    assert.deepEqual(problems.map((p) => [p.line, p.message]), [
      [2, "Container.Image must be one value, got a list of 2"],
      [3, 'Container: invalid key "bad-key"'],
      [4, "Container.Exec: value ends with a backslash (a line continuation in unit files)"],
      [5, 'unknown section "Nope"'],
    ]);
  },
});

Deno.test({
  name: "parseManifest() refuses an empty manifest and says what to start with",
  permissions: PURE,
  fn() {
    const { manifest, problems } = parseManifest("# nothing yet\n", "m.yml");
    assert.equal(manifest, undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /^a manifest must be a map of quadlet sections, got /);
    assert.match(problems[0]!.hint ?? "", /Container:/);
  },
});
