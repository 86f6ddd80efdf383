import assert from "node:assert/strict";
import { createUnitFacts } from "../../lib/adapters/unit_facts.ts";
import type { CommandSpec } from "../../lib/adapters/run_command.ts";
import type { Mode } from "../../lib/types/mode.ts";

/** What systemd 257 prints for one running unit (`show --timestamp=us+utc`). */
const SHOWN = `Id=web.service
ActiveState=active
SubState=running
Result=success
NRestarts=2
ActiveEnterTimestamp=Tue 2026-12-01 10:00:00.000000 UTC
ExecMainStatus=0
`;

Deno.test({
  name:
    "createUnitFacts() asks hoist's own manager, or an account's through --user --machine=NAME@, and reads its answer",
  permissions: "none",
  async fn() {
    const cases: { mode: Mode; account?: string; manager: string[] }[] = [
      { mode: "system", manager: [] },
      { mode: "user", manager: ["--user"] },
      { mode: "system", account: "paperless", manager: ["--user", "--machine=paperless@"] },
    ];
    for (const c of cases) {
      const asked: CommandSpec[] = [];
      const reader = createUnitFacts(
        (spec) => {
          asked.push(spec);
          return Promise.resolve({ code: 0, stdout: new TextEncoder().encode(SHOWN), stderr: "" });
        },
        c.mode,
        "systemctl",
        c.account,
      );
      const facts = await reader.facts(["web.service"]);
      assert.deepEqual(asked.map((s) => [s.cmd, ...s.args]), [[
        "systemctl",
        ...c.manager,
        "show",
        "--timestamp=us+utc",
        "--property=Id,ActiveState,SubState,Result,NRestarts,ActiveEnterTimestamp,ExecMainStatus",
        "--",
        "web.service",
      ]], JSON.stringify(c));
      assert.deepEqual(facts.get("web.service"), {
        unit: "web.service",
        active: "active",
        sub: "running",
        result: "success",
        nRestarts: 2,
        activeSince: Date.UTC(2026, 11, 1, 10, 0, 0),
        exitStatus: 0,
      });
    }
  },
});
