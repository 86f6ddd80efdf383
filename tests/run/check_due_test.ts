/** When the scheduled update check of `auto` services (`[images] check_every`) is due. */
import assert from "node:assert/strict";
import { checkDue } from "../../lib/run/scheduled_update.ts";

const HOUR = 3_600_000;
const EVERY = 6 * HOUR;
const LAST = "2026-12-02T06:00:00.000Z";
const at = (iso: string) => new Date(iso);

const cases: [string, number, string | undefined, string, boolean][] = [
  ["first run: no check recorded yet", EVERY, undefined, "2026-12-02T06:00:00.000Z", true],
  ["not yet due: 1 h after the last check", EVERY, LAST, "2026-12-02T07:00:00.000Z", false],
  [
    "not yet due: 1 ms before check_every has passed",
    EVERY,
    LAST,
    "2026-12-02T11:59:59.999Z",
    false,
  ],
  ["due: exactly check_every after the last check", EVERY, LAST, "2026-12-02T12:00:00.000Z", true],
  ["due: long after the last check", EVERY, LAST, "2026-12-09T00:00:00.000Z", true],
  ["the same instant as the last check", EVERY, LAST, LAST, false],
  [
    "a recorded time with an offset counts as that instant",
    EVERY,
    "2026-12-02T08:00:00+02:00",
    "2026-12-02T11:00:00.000Z",
    false,
  ],
  // a recorded time in the future would otherwise hold every check back until the clock caught up
  [
    "clock gone backwards: 1 s before the recorded check",
    EVERY,
    LAST,
    "2026-12-02T05:59:59.000Z",
    true,
  ],
  ["clock gone backwards by a year", EVERY, LAST, "2025-12-02T06:00:00.000Z", true],
  ["bad recorded time: not a date", EVERY, "yesterday", "2026-12-02T07:00:00.000Z", true],
  ["bad recorded time: empty", EVERY, "", "2026-12-02T07:00:00.000Z", true],
  ["check_every of 0 turns the check off, even on a first run", 0, undefined, LAST, false],
  [
    "check_every of 0 turns the check off, long after the last one",
    0,
    LAST,
    "2027-12-02T06:00:00.000Z",
    false,
  ],
  ["a negative check_every is off too", -1, "yesterday", LAST, false],
];

for (const [name, every, last, now, due] of cases) {
  Deno.test({
    name: `checkDue(): ${name} → ${due ? "due" : "not due"}`,
    permissions: "none",
    fn() {
      assert.equal(checkDue(every, last, at(now)), due);
    },
  });
}
