import assert from "node:assert/strict";
import {
  checkQuadletValue,
  goTrim,
  injectAfterHeader,
  QUADLET_KEY,
  renderUnitText,
  unitEntries,
  unitSections,
  unitSyntaxProblems,
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
  name:
    "unitEntries() joins continuation lines as quadlet does (nothing added), skips comments and keeps 1-based lines",
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
      // quadlet trims "  b.service" and appends it to "a.service " as it is
      { section: "Unit", key: "Requires", value: "a.service b.service", line: 3 },
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

Deno.test({
  name: "checkQuadletValue() refuses a backslash before trailing spaces, tabs, NBSP or U+2028",
  permissions: PURE,
  fn() {
    for (const end of [" ", "\t", "\u00a0", "\u2028", "\u3000 "]) {
      assert.match(checkQuadletValue(`sleep \\${end}`) ?? "", /ends with a backslash/, end);
    }
    // not trimmed by quadlet: the line does not continue
    assert.equal(checkQuadletValue("a\\\u200b"), undefined);
  },
});

Deno.test({
  name: "goTrim() trims Go's unicode.IsSpace set, not JavaScript's",
  permissions: PURE,
  fn() {
    assert.equal(goTrim("\u0085\u00a0 a b\u2028\u3000\t"), "a b");
    assert.equal(goTrim("\ufeffa"), "\ufeffa", "a BOM is not space to Go");
    assert.equal(goTrim("a\u200b"), "a\u200b");
  },
});

const READER_CASES: readonly {
  readonly name: string;
  readonly text: string;
  readonly entries: readonly (readonly [string, string, string, number])[];
}[] = [
  {
    name: "a backslash before trailing whitespace still continues",
    text: "[Container]\nServiceName=we\\ \t\u00a0\nb\n",
    entries: [["Container", "ServiceName", "web", 2]],
  },
  {
    name: "blank and comment lines inside a continuation are skipped, not ending it",
    text: "[Container]\nLabel=a=1 \\\n\n# c\n; c \\\nb=2\n",
    entries: [["Container", "Label", "a=1 b=2", 2]],
  },
  {
    name: "a continued line swallows the next header",
    text: "[Unit]\nDescription=web \\\t\n[Container]\nServiceName=hoist-thinks\n",
    entries: [["Unit", "Description", "web [Container]", 2], [
      "Unit",
      "ServiceName",
      "hoist-thinks",
      4,
    ]],
  },
  {
    name: "a continuation still open at the end is dropped; a last line's backslash is dropped",
    text: "[Container]\nImage=a\nLabel=a=1 \\\n\n",
    entries: [["Container", "Image", "a", 2]],
  },
  {
    name: "only LF splits lines: CR mid-line and U+2028 stay in the value",
    text: "[Container]\nImage=a\u2028b\n",
    entries: [["Container", "Image", "a\u2028b", 2]],
  },
  {
    name: "a BOM makes the header line invalid, as quadlet reads it",
    text: "\ufeff[Container]\nImage=a\n",
    entries: [["", "Image", "a", 2]],
  },
  {
    name: "a header with text after ] is not a header",
    text: "[Container]\n[Service] x\nImage=a\n",
    entries: [["Container", "Image", "a", 3]],
  },
];

for (const c of READER_CASES) {
  Deno.test({
    name: `unitEntries() reads as quadlet 5.4: ${c.name}`,
    permissions: PURE,
    fn() {
      assert.deepEqual(
        unitEntries(c.text).map((e) => [e.section, e.key, e.value, e.line]),
        c.entries,
      );
    },
  });
}

Deno.test({
  name: "unitSections() does not see a header that a continuation swallowed",
  permissions: PURE,
  fn() {
    assert.deepEqual(
      unitSections("[Unit]\nDescription=x\\\n[Container]\nImage=a\n").map((s) => s.name),
      ["Unit"],
    );
  },
});

Deno.test({
  name:
    "injectAfterHeader() inserts after the header quadlet sees, not one a continuation swallowed",
  permissions: PURE,
  fn() {
    const text = "[Unit]\nDescription=web \\\n[Container]\nImage=a\n[Container]\nB=2\n";
    assert.equal(
      injectAfterHeader(text, "Container", ["L=1"]),
      "[Unit]\nDescription=web \\\n[Container]\nImage=a\n[Container]\nL=1\nB=2\n",
    );
  },
});

const SYNTAX_CASES: readonly {
  readonly text: string;
  readonly line: number;
  readonly message: RegExp;
}[] = [
  { text: "[Container]\nImage=a \\\n", line: 2, message: /ends with a backslash/ },
  { text: "[Container]\nImage=a \\\u00a0\n", line: 2, message: /invisible or non-ASCII space/ },
  { text: "[Container]\n# note \\\nImage=a\n", line: 2, message: /ends with a backslash/ },
  { text: "\ufeff[Container]\nImage=a\n", line: 1, message: /invisible/ },
  { text: "[Container]\nImage=a\rb\n", line: 2, message: /control character/ },
  { text: "[Container]\nImage=a\x1fb\n", line: 2, message: /control character/ },
  { text: "[Container]\njunk\n", line: 2, message: /is not a \[Section\] header/ },
  { text: "[Container]\n[Service] x\n", line: 2, message: /is not a \[Section\] header/ },
  { text: "Image=a\n[Container]\n", line: 1, message: /before the first \[Section\]/ },
  { text: "[Contai ner]\nImage=a\n", line: 1, message: /invalid section name/ },
  { text: "[Container]\nLabel a=1\n", line: 2, message: /invalid key "Label a"/ },
];

Deno.test({
  name: "unitSyntaxProblems() refuses text hoist and quadlet could read two ways, naming the line",
  permissions: PURE,
  fn() {
    for (const c of SYNTAX_CASES) {
      const found = unitSyntaxProblems(c.text);
      assert.equal(found.length, 1, `${JSON.stringify(c.text)}: ${JSON.stringify(found)}`);
      assert.equal(found[0]?.line, c.line, JSON.stringify(c.text));
      assert.match(found[0]?.message ?? "", c.message, JSON.stringify(c.text));
    }
    const ok = "# c\n\n[Container]\r\nImage = a\r\n; x\n[X-Custom]\nK=v\ttab\n";
    assert.deepEqual(unitSyntaxProblems(ok), []);
  },
});
