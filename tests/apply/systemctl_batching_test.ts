/**
 * The systemctl adapter with a recording runner: unit lists split below the argument limit,
 * `show` answers merged, and `show` output (captured from systemd 257) parsed with Result and
 * NeedDaemonReload.
 */
import assert from "node:assert/strict";
import { ARGV_BUDGET, createSystemctl, parseShow } from "../../lib/adapters/systemctl.ts";
import type { CommandResult, CommandSpec } from "../../lib/adapters/run_command.ts";

function recording(stdout: (spec: CommandSpec) => string = () => "") {
  const calls: CommandSpec[] = [];
  const run = (spec: CommandSpec): Promise<CommandResult> => {
    calls.push(spec);
    return Promise.resolve({
      code: 0,
      stdout: new TextEncoder().encode(stdout(spec)),
      stderr: "",
    });
  };
  return { calls, run };
}

const many = Array.from({ length: 6000 }, (_, i) => `gitops-service-number-${i}-x.service`);

Deno.test({
  name:
    "systemctl start/stop/restart/reset-failed split thousands of units into calls below the argument limit, in order",
  permissions: "none",
  async fn() {
    const { calls, run } = recording();
    const ctl = createSystemctl(run, "system");
    await ctl.restart(many);
    assert.ok(calls.length > 1, "more than one call");
    const passed = calls.flatMap((c) => c.args.slice(c.args.indexOf("--") + 1));
    assert.deepEqual(passed, many);
    for (const c of calls) {
      assert.equal(c.args[0], "restart");
      const bytes = c.args.slice(2).reduce((n, a) => n + a.length + 1, 0);
      assert.ok(bytes <= ARGV_BUDGET, `${bytes} bytes in one call`);
    }
    await ctl.resetFailed(["a.service"]);
    assert.deepEqual(calls.at(-1)?.args, ["reset-failed", "--", "a.service"]);
  },
});

Deno.test({
  name: "systemctl show asks in batches and merges the answers of every batch",
  permissions: "none",
  async fn() {
    const { calls, run } = recording((spec) =>
      spec.args.slice(spec.args.indexOf("--") + 1)
        .map((u) => `Id=${u}\nLoadState=loaded\nActiveState=active\nSubState=running\n`).join("\n")
    );
    const states = await createSystemctl(run, "user").show(many);
    assert.ok(calls.length > 1);
    assert.equal(calls[0]?.args[0], "--user");
    assert.equal(states.size, many.length);
    assert.equal(states.get(many.at(-1) ?? "")?.active, "active");
  },
});

Deno.test({
  name: "parseShow() reads Result, NeedDaemonReload and ActiveEnterTimestamp (us+utc)",
  permissions: "none",
  fn() {
    // systemd 257 prints the properties in its own order, Result first
    const text = `Result=start-limit-hit
Id=e2e-a.service
LoadState=loaded
ActiveState=failed
SubState=failed
ActiveEnterTimestamp=Tue 2026-12-01 21:35:10.696310 UTC
FragmentPath=/run/systemd/generator/e2e-a.service
SourcePath=/etc/containers/systemd/e2e-a.container
NeedDaemonReload=yes

Result=success
Id=e2e-b.service
LoadState=loaded
ActiveState=active
SubState=running
FragmentPath=/run/systemd/generator/e2e-b.service
SourcePath=/etc/containers/systemd/e2e-b.container
NeedDaemonReload=no
`;
    const m = parseShow(text);
    assert.deepEqual(m.get("e2e-a.service"), {
      load: "loaded",
      active: "failed",
      sub: "failed",
      source: "/etc/containers/systemd/e2e-a.container",
      result: "start-limit-hit",
      needReload: true,
      activeSince: Date.parse("2026-12-01T21:35:10.696Z"),
    });
    assert.equal(m.get("e2e-b.service")?.needReload, undefined);
    assert.equal(m.get("e2e-b.service")?.activeSince, undefined);
  },
});
