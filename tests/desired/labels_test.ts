import assert from "node:assert/strict";
import { labelRefusal, splitArgs } from "../../lib/desired/labels.ts";
import { assertBlocked, onlyError, readOne, readyOne } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const cases: { name: string; files: Record<string, string>; line: number }[] = [
  {
    name: "a Label with a C escape that quadlet would turn into gitops-hash",
    files: { "manifest.yml": "Container:\n  Image: a\n  Label: 'gitops\\x2dhash=EVIL'\n" },
    line: 3,
  },
  {
    name: "PodmanArgs adding --label=gitops-service=…",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: --label=gitops-service=db\n" },
    line: 3,
  },
  {
    name: "PodmanArgs adding -l gitops-hash=…",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: --rm -l gitops-hash=1\n" },
    line: 3,
  },
  {
    name: "PodmanArgs chaining boolean short flags before -l (-tl)",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: -tl gitops-hash=1\n" },
    line: 3,
  },
  {
    name: "PodmanArgs with -l=… (pflag drops the =)",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: -l=gitops-hash=1\n" },
    line: 3,
  },
  {
    name: "PodmanArgs with -il glued to its value",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: -ilgitops-hash=1\n" },
    line: 3,
  },
  {
    name: "PodmanArgs with a specifier that expands to nothing (-%il)",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: -%il gitops-hash=1\n" },
    line: 3,
  },
  {
    name: "PodmanArgs with --label%i",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: --label%i gitops-hash=1\n" },
    line: 3,
  },
  {
    name: "PodmanArgs with --label-file=…",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: --label-file=/etc/l\n" },
    line: 3,
  },
  {
    name: "PodmanArgs with a whole-word variable systemd splits into flags",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: $FLAGS\n" },
    line: 3,
  },
  {
    name: "a raw .container Label that resets the list (Label= empty)",
    files: { "web.container": "[Container]\nImage=a\nLabel=\nLabel=app=x\n" },
    line: 3,
  },
  {
    name: "a raw .container Label whose key uses %I",
    files: { "web.container": "[Container]\nImage=a\nLabel=app=1 gitops-service%I=x\n" },
    line: 3,
  },
  {
    name: "a raw .container file with an escaped reserved label",
    files: { "web.container": '[Container]\nImage=a\nLabel="gitops\\x2dservice=web"\n' },
    line: 3,
  },
];

for (const c of cases) {
  Deno.test({
    name: `readDesired() blocks ${c.name}, naming the line`,
    permissions: PURE,
    fn() {
      const s = readOne("x", c.files);
      assertBlocked(s);
      const p = onlyError(s.problems);
      assert.match(p.message, /are set by hoist/);
      assert.equal(p.line, c.line);
    },
  });
}

Deno.test({
  name: "readDesired() keeps ordinary labels and PodmanArgs",
  permissions: PURE,
  fn() {
    const s = readyOne("x", {
      "manifest.yml":
        "Container:\n  Image: a\n  Label: [app=web, 'tier=front end']\n  PodmanArgs: --log-level=info\n",
    });
    assert.equal(s.units.length, 1);
    assert.match(s.units[0]!.content, /^Label=tier=front end$/m);
  },
});

Deno.test({
  name: "labelRefusal() lets through short flags whose value holds an l, and other long flags",
  permissions: "none",
  fn() {
    for (
      const ok of [
        "-e LANG=C",
        "-elevel=1", // -e takes "level=1"
        "-v /var/lib:/l",
        "-dit",
        "--log-level=info",
        "--labels-are-not-a-flag", // podman has no abbreviations: unknown flag, not --label
        "--annotation gitops-hash=x", // annotations are not labels
        "--volume=%h/data:/data",
      ]
    ) {
      assert.equal(labelRefusal("PodmanArgs", ok), undefined, ok);
    }
    for (const ok of ["app=web", "'tier=front end'", "url=http://x/%20"]) {
      assert.equal(labelRefusal("Label", ok), undefined, ok);
    }
  },
});

Deno.test({
  name:
    "splitArgs() splits as quadlet does: C escapes, quotes anywhere, NUL ends, bad escape drops",
  permissions: "none",
  fn() {
    assert.deepEqual(splitArgs(`--l\\x61bel "a b" x'y'z \\u00e9`), ["--label", "a b", "xyz", "é"]);
    assert.deepEqual(splitArgs('"unterminated --label x'), ["unterminated --label x"]);
    assert.deepEqual(
      splitArgs("a\u00a0b\vc\td"),
      ["a\u00a0b\vc", "d"],
      "only space, tab, CR, LF separate",
    );
    assert.deepEqual(splitArgs("a\0 b"), ["a"]);
    assert.deepEqual(splitArgs("a \\"), ["a"], "a trailing backslash is dropped");
    assert.equal(splitArgs("a=x\\ y"), undefined, "backslash-space is not an escape");
    assert.equal(splitArgs("\\z"), undefined);
    assert.deepEqual(splitArgs("\\101\\x41\\s"), ["AA "]);
  },
});
