import assert from "node:assert/strict";
import {
  checkQuadletValue,
  injectAfterHeader,
  QUADLET_KEY,
  renderUnitText,
  unitEntries,
  unitSections,
} from "../../lib/desired/unit_text.ts";
import { PURE } from "../support/pure.ts";

Deno.test({
  name: "checkQuadletValue() refuses line breaks, control characters and a trailing backslash",
  permissions: PURE,
  fn() {
    assert.equal(checkQuadletValue("docker.io/library/caddy:2"), undefined);
    assert.equal(checkQuadletValue("a\\b with\ttab and ${VAR}"), undefined);
    assert.equal(checkQuadletValue("a\nb"), "value contains a line break");
    assert.equal(checkQuadletValue("a\rb"), "value contains a line break");
    assert.equal(checkQuadletValue("a\x1bb"), "value contains a control character");
    assert.equal(checkQuadletValue("a\0"), "value contains a control character");
    assert.match(checkQuadletValue("sleep \\") ?? "", /ends with a backslash/);
  },
});

Deno.test({
  name: "QUADLET_KEY accepts option names and refuses anything that could break a line",
  permissions: PURE,
  fn() {
    for (const ok of ["Image", "PublishPort", "IP6", "X"]) assert.ok(QUADLET_KEY.test(ok), ok);
    for (const bad of ["", "6IP", "Image=", "a b", "A\nB", "Pub-Port", "[Unit]"]) {
      assert.ok(!QUADLET_KEY.test(bad), JSON.stringify(bad));
    }
  },
});

Deno.test({
  name: "unitEntries() joins continuation lines, skips comments and keeps 1-based lines",
  permissions: PURE,
  fn() {
    const text = [
      "# header comment",
      "[Unit]",
      "Requires=a.service \\",
      "  b.service",
      "; another comment",
      "",
      "[Container]",
      "Image = docker.io/x ",
      "not a key value line",
      "",
    ].join("\r\n");
    assert.deepEqual(unitEntries(text), [
      { section: "Unit", key: "Requires", value: "a.service    b.service", line: 3 },
      { section: "Container", key: "Image", value: "docker.io/x", line: 8 },
    ]);
  },
});

Deno.test({
  name: "unitSections() lists headers in order with their lines",
  permissions: PURE,
  fn() {
    assert.deepEqual(unitSections("[Unit]\nA=1\n\n [Container] \nB=2\n"), [
      { name: "Unit", line: 1 },
      { name: "Container", line: 4 },
    ]);
  },
});

Deno.test({
  name: "injectAfterHeader() inserts right after the first matching header only",
  permissions: PURE,
  fn() {
    const text = "[Unit]\nA=1\n[Container]\nImage=a\n[Container]\nB=2\n";
    assert.equal(
      injectAfterHeader(text, "Container", ["L=1", "L=2"]),
      "[Unit]\nA=1\n[Container]\nL=1\nL=2\nImage=a\n[Container]\nB=2\n",
    );
    assert.equal(injectAfterHeader(text, "Pod", ["L=1"]), text, "no header, no change");
  },
});

Deno.test({
  name: "renderUnitText() writes Key=value lines with a blank line between sections",
  permissions: PURE,
  fn() {
    assert.equal(
      renderUnitText([
        { name: "Container", lines: [["Image", "a"], ["Volume", "/a:/a"], ["Volume", "/b:/b"]] },
        { name: "Install", lines: [["WantedBy", "default.target"]] },
      ]),
      "[Container]\nImage=a\nVolume=/a:/a\nVolume=/b:/b\n\n[Install]\nWantedBy=default.target\n",
    );
  },
});
