/**
 * The generator, podman and systemd: version lines as the real tools print them, and the verdicts.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  checkGenerator,
  checkPodman,
  checkSystemd,
  parseVersion,
} from "../../lib/doctor/check_tools.ts";
import type { ToolFact } from "../../lib/doctor/types.ts";

const found = (path: string, version: string): ToolFact => ({ found: true, path, version });
const QUADLET = "/usr/libexec/podman/quadlet";

Deno.test({
  name: "parseVersion() reads the lines podman, quadlet and systemctl print",
  permissions: "none",
  fn() {
    const cases: [string, number[] | undefined][] = [
      ["podman version 5.4.2", [5, 4, 2]],
      ["5.4.2", [5, 4, 2]],
      ["systemd 252 (252.38-1~deb12u1)", [252, 0, 0]],
      ["podman version 4.9.4-rhel", [4, 9, 4]],
      ["no digits", undefined],
    ];
    for (const [line, want] of cases) assert.deepEqual(parseVersion(line), want, line);
  },
});

Deno.test({
  name: "checkGenerator() says where it looked, and which versions are too old",
  permissions: "none",
  fn() {
    const cases: [ToolFact | undefined, string | undefined, string, RegExp][] = [
      [undefined, undefined, "error", /no quadlet generator at \/a or \/b.*Install podman 4\.4/],
      [
        { found: false, path: "/nowhere/quadlet", error: "not found" },
        "/nowhere/quadlet",
        "error",
        /quadlet_bin \/nowhere\/quadlet does not run.*Fix quadlet_bin/,
      ],
      [found(QUADLET, "4.3.1"), undefined, "error", /needs 4\.4/],
      [found(QUADLET, "4.9.4"), undefined, "warning", /\.pod and \.build units need 5\.0/],
      [found(QUADLET, "5.4.2"), undefined, "ok", /quadlet 5\.4\.2/],
    ];
    for (const [fact, configured, level, text] of cases) {
      const r = checkGenerator(fact, configured, ["/a", "/b"]);
      assert.equal(r.level, level, JSON.stringify(fact));
      assert.match(`${r.message} ${r.fix ?? ""}`, text);
    }
  },
});

Deno.test({
  name: "checkPodman() and checkSystemd(): missing, mismatched with the generator, too old",
  permissions: "none",
  fn() {
    const missing: ToolFact = { found: false, path: "podman", error: "podman is not installed" };
    assert.equal(checkPodman(missing, undefined).level, "error");
    const gen = found(QUADLET, "5.4.2");
    assert.equal(checkPodman(found("podman", "podman version 5.4.2"), gen).level, "ok");
    const other = checkPodman(found("podman", "podman version 4.9.4"), gen);
    assert.equal(other.level, "warning");
    assert.match(other.message, /but the generator is 5\.4\.2/);
    assert.equal(checkSystemd(found("systemctl", "systemd 252 (252.38-1)")).level, "ok");
    assert.equal(checkSystemd(found("systemctl", "systemd 239")).level, "error");
    assert.equal(checkSystemd({ found: false, path: "systemctl", error: "x" }).level, "error");
  },
});
