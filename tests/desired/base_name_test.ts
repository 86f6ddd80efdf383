import assert from "node:assert/strict";
import { baseName, topName } from "../../lib/desired/base_name.ts";
import { PURE } from "../support/pure.ts";

Deno.test({
  name: "baseName() is the last path segment and topName() the first",
  permissions: PURE,
  fn() {
    const cases: [path: string, base: string, top: string][] = [
      ["gitops-web/web-net.network", "web-net.network", "gitops-web"],
      ["app.env", "app.env", "app.env"],
      ["a/b/c", "c", "a"],
      ["a/", "", "a"],
      ["", "", ""],
    ];
    for (const [path, base, top] of cases) {
      assert.equal(baseName(path), base, path);
      assert.equal(topName(path), top, path);
    }
  },
});
