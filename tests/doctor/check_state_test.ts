/** doctor's free-space and lost-state-DB checks. */
import assert from "node:assert/strict";
import { checkLostDb, checkSpace, parseDf } from "../../lib/doctor/check_state.ts";

Deno.test({
  name: "parseDf() reads df -Pk's second line; anything else is undefined",
  permissions: "none",
  fn() {
    const out = "Filesystem     1024-blocks    Used Available Capacity Mounted on\n" +
      "/dev/sda1        20511312 9182404  10260332      48% /\n";
    assert.deepEqual(parseDf(out), { availableKiB: 10260332, totalKiB: 20511312 });
    assert.equal(parseDf(""), undefined);
    assert.equal(parseDf("Filesystem 1024-blocks\n"), undefined);
    assert.equal(parseDf("h\n/dev/x a b c d /\n"), undefined);
  },
});

const space = (availableKiB: number, totalKiB = 100 * 1024 * 1024) => ({
  key: "state_dir" as const,
  path: "/var/lib/hoist",
  availableKiB,
  totalKiB,
});

Deno.test({
  name: "checkSpace(): almost full is an error, low a warning, plenty ok; unknown a warning",
  permissions: "none",
  fn() {
    const full = checkSpace(space(10 * 1024));
    assert.equal(full.level, "error");
    assert.match(full.message, /only 10 MiB free; writes will fail/);
    assert.match(full.fix ?? "", /df -h \/var\/lib\/hoist/);
    assert.equal(checkSpace(space(300 * 1024)).level, "warning");
    assert.equal(checkSpace(space(4 * 1024 * 1024)).level, "warning", "under 5 % of 100 GiB");
    assert.equal(checkSpace(space(20 * 1024 * 1024)).level, "ok");
    assert.equal(checkSpace(space(1024 * 1024, 2 * 1024 * 1024)).level, "ok", "1 GiB of 2 GiB");
    assert.equal(
      checkSpace({ key: "quadlet_dir", path: "/q", error: "df gave no answer" }).level,
      "warning",
    );
  },
});

Deno.test({
  name:
    "checkLostDb(): hoist's unit files with an empty or missing DB is the lost-DB error and its recovery",
  permissions: "none",
  fn() {
    const empty = { path: "/s/state.db", kind: "checked" as const, lines: ["ok"], inventory: 0 };
    const lost = checkLostDb(empty, 4);
    assert.equal(lost?.level, "error");
    assert.match(lost?.message ?? "", /records nothing, but quadlet_dir holds 4 unit file\(s\)/);
    assert.match(lost?.fix ?? "", /hoist apply --adopt/);
    assert.equal(checkLostDb({ path: "/s/state.db", kind: "missing" }, 2)?.level, "error");
    assert.equal(checkLostDb(empty, 0), undefined, "a fresh host");
    assert.equal(checkLostDb({ ...empty, inventory: 4 }, 4), undefined, "the DB knows its units");
    assert.equal(
      checkLostDb({ path: "/s/state.db", kind: "unreadable", error: "x" }, 4),
      undefined,
    );
  },
});
