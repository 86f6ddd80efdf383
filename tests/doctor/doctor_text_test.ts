/**
 * doctor's output: aligned columns, the fix under a failed check, colour only when asked, JSON,
 * control characters escaped; and the exit code.
 *
 * @module
 */
import assert from "node:assert/strict";
import { doctorExitCode } from "../../lib/doctor/doctor_checks.ts";
import { doctorJson, doctorText } from "../../lib/doctor/doctor_text.ts";
import type { CheckResult } from "../../lib/doctor/types.ts";

const RESULTS: CheckResult[] = [
  { id: "config", level: "ok", message: "/c.toml: host pi" },
  { id: "source main", level: "error", message: "cannot fetch \x1b[31m", fix: "Check the url" },
  { id: "clock", level: "warning", message: "not synchronised", fix: "timedatectl set-ntp true" },
];

Deno.test({
  name:
    "doctorText() aligns the columns, puts each fix under its check, escapes control characters",
  permissions: "none",
  fn() {
    assert.equal(
      doctorText(RESULTS, false),
      `ok       config       /c.toml: host pi
error    source main  cannot fetch \\x1b[31m
                      fix: Check the url
warning  clock        not synchronised
                      fix: timedatectl set-ntp true

hoist doctor: 1 ok, 1 warning(s), 1 error(s)
`,
    );
    assert.ok(doctorText(RESULTS, true).includes("\x1b[31merror    \x1b[0m"), "red error");
    assert.ok(!doctorText(RESULTS, false).includes("\x1b"), "no escape without colour");
  },
});

Deno.test({
  name: "doctorJson() and doctorExitCode(): ok only without errors",
  permissions: "none",
  fn() {
    const json = JSON.parse(doctorJson(RESULTS));
    assert.equal(json.ok, false);
    assert.deepEqual(json.checks[2], {
      id: "clock",
      level: "warning",
      message: "not synchronised",
      fix: "timedatectl set-ntp true",
    });
    assert.equal(doctorExitCode(RESULTS), 1);
    assert.equal(doctorExitCode(RESULTS.filter((r) => r.level !== "error")), 0);
  },
});
