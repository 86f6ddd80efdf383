import assert from "node:assert/strict";
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
