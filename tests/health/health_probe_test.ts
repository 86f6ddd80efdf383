import assert from "node:assert/strict";
import {
  createHealthProbes,
  healthcheckOf,
  MAX_REASON,
  parseFirstName,
} from "../../lib/adapters/health_probe.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { parseUnitFacts } from "../../lib/adapters/unit_facts.ts";

/** `systemctl show --timestamp=us+utc --property=FACT_PROPERTIES -- systemd-journald.service dbus.socket` (systemd 257). */
const SHOW = `Result=success
NRestarts=0
ExecMainStatus=0
Id=systemd-journald.service
ActiveState=active
SubState=running
ActiveEnterTimestamp=Tue 2026-12-01 21:35:10.666795 UTC

Result=success
Id=dbus.socket
ActiveState=active
SubState=running
ActiveEnterTimestamp=Tue 2026-12-01 21:35:10.668397 UTC

Result=exit-code
NRestarts=4
ExecMainStatus=1
Id=web.service
ActiveState=activating
SubState=auto-restart
ActiveEnterTimestamp=
`;

Deno.test({
  name: "parseUnitFacts() reads state, Result, NRestarts, ActiveEnterTimestamp and ExecMainStatus",
  permissions: "none",
  fn() {
    assert.deepEqual([...parseUnitFacts(SHOW).values()], [
      {
        unit: "systemd-journald.service",
        active: "active",
        sub: "running",
        result: "success",
        nRestarts: 0,
        activeSince: Date.UTC(2026, 11, 1, 21, 35, 10, 666),
        exitStatus: 0,
      },
      {
        unit: "dbus.socket",
        active: "active",
        sub: "running",
        result: "success",
        activeSince: Date.UTC(2026, 11, 1, 21, 35, 10, 668),
      },
      {
        unit: "web.service",
        active: "activating",
        sub: "auto-restart",
        result: "exit-code",
        nRestarts: 4,
        exitStatus: 1,
      },
    ]);
  },
});

Deno.test({
  name: "parseFirstName() and healthcheckOf() read podman's JSON, and tolerate junk",
  permissions: "none",
  fn() {
    assert.equal(parseFirstName('[{"Names":["systemd-web"]}]'), "systemd-web");
    assert.equal(parseFirstName("[]"), undefined);
    assert.equal(parseFirstName("not json"), undefined);
    // podman 5.4's Config.Healthcheck for --health-cmd 'test -e /ok' --health-start-period 20s
    const inspect =
      '[{"Config":{"Healthcheck":{"Test":["CMD-SHELL","test -e /ok"],"StartPeriod":20000000000,"Timeout":30000000000,"Retries":3}}}]';
    assert.deepEqual(healthcheckOf(inspect), { startPeriodMs: 20_000 });
    assert.deepEqual(healthcheckOf('[{"Config":{"Healthcheck":{"Test":["CMD","true"]}}}]'), {});
    assert.equal(healthcheckOf('[{"Config":{"Healthcheck":{"Test":["NONE"]}}}]'), undefined);
    assert.equal(healthcheckOf('[{"Config":{}}]'), undefined);
    assert.equal(healthcheckOf("{"), undefined);
  },
});

Deno.test({
  name: "the http probe checks status and body, bounds what it reads and times out",
  permissions: { net: ["127.0.0.1"] },
  async fn() {
    const ac = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
      (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/ok") return new Response("all ok\n");
        if (path === "/503") return new Response("down", { status: 503 });
        if (path === "/big") return new Response("x".repeat(1_000_000) + "needle");
        return new Promise<Response>((r) => setTimeout(() => r(new Response("late")), 3_000));
      },
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    const probes = createHealthProbes(createRunner());
    try {
      assert.deepEqual(await probes.http(`${base}/ok`, 200, "ok", 2_000), { ok: true });
      assert.deepEqual(await probes.http(`${base}/503`, 200, undefined, 2_000), {
        ok: false,
        reason: "http 503",
      });
      assert.deepEqual(await probes.http(`${base}/ok`, 200, "ready", 2_000), {
        ok: false,
        reason: 'http 200 without "ready"',
      });
      // the needle lies past the bounded read: not found, and the probe returns
      assert.deepEqual(await probes.http(`${base}/big`, 200, "needle", 2_000), {
        ok: false,
        reason: 'http 200 without "needle"',
      });
      assert.deepEqual(await probes.http(`${base}/slow`, 200, undefined, 300), {
        ok: false,
        reason: "http: no answer in 300 ms",
      });
    } finally {
      ac.abort();
      await server.finished;
    }
  },
});

Deno.test({
  name: "the tcp probe connects, and says why it could not",
  permissions: { net: ["127.0.0.1"] },
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    const probes = createHealthProbes(createRunner());
    assert.deepEqual(await probes.tcp("127.0.0.1", port, 1_000), { ok: true });
    listener.close();
    const closed = await probes.tcp("127.0.0.1", port, 1_000);
    assert.equal(closed.ok, false);
    assert.match(!closed.ok ? closed.reason : "", /^tcp 127\.0\.0\.1:\d+: .+/);
    assert.ok(!closed.ok && closed.reason.length <= MAX_REASON + 40);
  },
});
