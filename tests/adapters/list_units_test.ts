/**
 * Unit states from `systemctl list-units` (output captured from systemd 257), and which units
 * observe still asks `systemctl show` about.
 */
import assert from "node:assert/strict";
import { createSystemctl, parseListUnits } from "../../lib/adapters/systemctl.ts";
import type { CommandResult, CommandSpec } from "../../lib/adapters/run_command.ts";
import { observeUnits, unitsToShow } from "../../lib/observed/unit_states.ts";
import type { UnitState } from "../../lib/types/observed.ts";

/** `systemctl list-units --all --plain --no-legend --full --no-pager -- cv-dies.service
 * dbus.service nonexist.service systemd-journald.socket` as systemd 257 printed it. */
const LISTED = "cv-dies.service         not-found failed failed  cv-dies.service\n" +
  "dbus.service            loaded    active running D-Bus System Message Bus\n" +
  "systemd-journald.socket loaded    active running Journal Sockets\n";

Deno.test({
  name:
    "parseListUnits() reads UNIT LOAD ACTIVE SUB per line; a unit systemd did not list is absent",
  permissions: "none",
  fn() {
    const states = parseListUnits(LISTED);
    assert.deepEqual(states.get("cv-dies.service"), {
      load: "not-found",
      active: "failed",
      sub: "failed",
    });
    assert.deepEqual(states.get("dbus.service"), {
      load: "loaded",
      active: "active",
      sub: "running",
    });
    assert.equal(states.has("nonexist.service"), false);
    assert.equal(states.size, 3);
    assert.equal(parseListUnits("").size, 0);
    assert.equal(
      parseListUnits("● x.service loaded failed failed X\n").get("x.service")?.active,
      "failed",
    );
  },
});

const up: UnitState = { load: "loaded", active: "active", sub: "running" };

Deno.test({
  name:
    "unitsToShow() asks show only for units not listed, loaded ones hoist does not own, and failed ones",
  permissions: "none",
  fn() {
    const cases: Array<[string, Record<string, UnitState>, string[], string[], string[]]> = [
      [
        "a healthy no-op: hoist's units, all running",
        { "a.service": up, "b.service": up },
        [
          "a.service",
          "b.service",
        ],
        ["a.service", "b.service"],
        [],
      ],
      ["a unit systemd does not hold in memory", { "a.service": up }, ["a.service", "b.service"], [
        "a.service",
        "b.service",
      ], ["b.service"]],
      [
        "a loaded unit hoist does not own: the takeover check needs its source",
        {
          "a.service": up,
          "sshd.service": up,
        },
        ["a.service", "sshd.service"],
        ["a.service"],
        ["sshd.service"],
      ],
      [
        "a failed unit: its Result is needed",
        {
          "a.service": { load: "loaded", active: "failed", sub: "failed" },
        },
        ["a.service"],
        ["a.service"],
        ["a.service"],
      ],
      [
        "listed not-found and inactive, owned: known well enough",
        {
          "a.service": { load: "not-found", active: "inactive", sub: "dead" },
        },
        ["a.service"],
        ["a.service"],
        [],
      ],
    ];
    for (const [what, listed, wanted, owned, expected] of cases) {
      assert.deepEqual(
        unitsToShow(new Map(Object.entries(listed)), wanted, new Set(owned)),
        expected,
        what,
      );
    }
  },
});

function recording(answer: (spec: CommandSpec) => string) {
  const calls: CommandSpec[] = [];
  const run = (spec: CommandSpec): Promise<CommandResult> => {
    calls.push(spec);
    return Promise.resolve({ code: 0, stdout: new TextEncoder().encode(answer(spec)), stderr: "" });
  };
  return { calls, run };
}

Deno.test({
  name:
    "observeUnits() runs one list-units on a healthy no-op, and show only for the units that need it",
  permissions: "none",
  async fn() {
    const { calls, run } = recording((spec) => {
      const units = spec.args.slice(spec.args.indexOf("--") + 1);
      if (spec.args[0] === "list-units") {
        return units.filter((u) => u !== "gone.service").map((u) =>
          `${u} loaded active running ${u}\n`
        )
          .join("");
      }
      return units.map((u) =>
        `Id=${u}\nLoadState=loaded\nActiveState=inactive\nSubState=dead\nResult=success\n` +
        `NeedDaemonReload=no\nSourcePath=/usr/share/containers/systemd/${u}\nFragmentPath=\n`
      ).join("\n");
    });
    const ctl = createSystemctl(run, "system");
    const healthy = await observeUnits(
      ctl,
      ["a.service", "b.service"],
      new Set(["a.service", "b.service"]),
    );
    assert.deepEqual(calls.map((c) => c.args[0]), ["list-units"]);
    assert.equal(healthy.get("b.service")?.active, "active");

    calls.length = 0;
    const mixed = await observeUnits(
      ctl,
      ["a.service", "gone.service", "theirs.service"],
      new Set(["a.service", "gone.service"]),
    );
    assert.deepEqual(calls.map((c) => c.args[0]), ["list-units", "show"]);
    assert.deepEqual(calls[1]?.args.slice(calls[1].args.indexOf("--") + 1), [
      "gone.service",
      "theirs.service",
    ]);
    assert.equal(mixed.get("a.service")?.source, undefined, "list-units' answer kept");
    assert.equal(
      mixed.get("theirs.service")?.source,
      "/usr/share/containers/systemd/theirs.service",
      "show's answer used",
    );
    assert.equal(mixed.size, 3);

    calls.length = 0;
    assert.equal((await observeUnits(ctl, [], new Set())).size, 0);
    assert.equal(calls.length, 0, "nothing asked, nothing spawned");
  },
});
