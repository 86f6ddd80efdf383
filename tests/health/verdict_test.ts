import assert from "node:assert/strict";
import { DEFAULT_HEALTH, type HealthSettings } from "../../lib/desired/health_settings.ts";
import { resolveProbe } from "../../lib/health/resolve_probe.ts";
import type { Observation, UnitFacts } from "../../lib/health/types.ts";
import { judge, probeDelay } from "../../lib/health/verdict.ts";

const T0 = 1_000_000;
const up = (over: Partial<UnitFacts> = {}): UnitFacts => ({
  unit: "web.service",
  active: "active",
  sub: "running",
  result: "success",
  nRestarts: 0,
  activeSince: T0,
  ...over,
});
const look = (s: number, units: UnitFacts[] = [up()], probe?: Observation["probe"]) => ({
  at: T0 + s * 1000,
  units,
  ...(probe === undefined ? {} : { probe }),
});
const FAIL = { ok: false as const, reason: "http 503" };
const OK = { ok: true as const };
const HTTP: HealthSettings = {
  ...DEFAULT_HEALTH,
  probe: { kind: "http", url: "http://127.0.0.1:1/", status: 200 },
  startPeriodMs: 5_000,
  intervalMs: 1_000,
  retries: 3,
  windowMs: 60_000,
};
const SETTLE = { ...DEFAULT_HEALTH, probe: { kind: "settle" as const }, settleMs: 10_000 };

Deno.test({
  name: "probeDelay() doubles the interval per failure up to 8 intervals",
  permissions: "none",
  fn() {
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((n) => probeDelay(n, 500)), [
      500,
      1000,
      2000,
      4000,
      4000,
      4000,
    ]);
  },
});

Deno.test({
  name:
    "resolveProbe() turns auto into the image's HEALTHCHECK (with its start period) when it has one, else settle",
  permissions: "none",
  fn() {
    assert.deepEqual(resolveProbe(undefined, {}), {
      ...DEFAULT_HEALTH,
      probe: { kind: "container" },
    });
    assert.deepEqual(resolveProbe(undefined, undefined).probe, { kind: "settle" });
    assert.deepEqual(resolveProbe(HTTP, {}), HTTP);
    // the image's own start period counts, and the window grows past it
    const slow = resolveProbe(undefined, { startPeriodMs: 90_000 });
    assert.deepEqual([slow.startPeriodMs, slow.windowMs], [90_000, 150_000]);
  },
});

Deno.test({
  name: "judge() gives each service its verdict from systemd's facts and its probes",
  permissions: "none",
  fn() {
    const table: { name: string; s: HealthSettings; looks: Observation[]; want: unknown }[] = [
      {
        name: "a unit that exited is unhealthy at once, with its result and status",
        s: SETTLE,
        looks: [
          look(1, [up({ active: "failed", sub: "failed", result: "exit-code", exitStatus: 1 })]),
        ],
        want: { state: "unhealthy", reason: "web.service failed (failed, exit-code, status 1)" },
      },
      {
        name: "Restart=always between two runs (auto-restart) is unhealthy",
        s: SETTLE,
        looks: [look(1, [up({ active: "activating", sub: "auto-restart", result: "exit-code" })])],
        want: { state: "unhealthy", reason: "web.service activating (auto-restart, exit-code)" },
      },
      {
        name: "Restart=always caught running again: NRestarts grew since the first look",
        s: SETTLE,
        looks: [look(1), look(3, [up({ nRestarts: 2, activeSince: T0 + 2500 })])],
        want: { state: "unhealthy", reason: "web.service restarted 2 time(s) by systemd" },
      },
      {
        name: "restarted from outside (a new ActiveEnterTimestamp, same NRestarts) is no crash",
        s: SETTLE,
        looks: [look(1), look(12, [up({ activeSince: T0 + 11_000 })])],
        want: { state: "pending", waitMs: 9_000 },
      },
      {
        name: "no NRestarts from systemd: unknown, kept",
        s: SETTLE,
        looks: [look(1, [{ unit: "web.service", active: "active", sub: "running" }])],
        want: { state: "unknown", reason: "systemd gave no restart count to judge by" },
      },
      {
        name: "settle waits until the unit has been up settleMs",
        s: SETTLE,
        looks: [look(4)],
        want: { state: "pending", waitMs: 6_000 },
      },
      {
        name: "settle is healthy after settleMs without a restart",
        s: SETTLE,
        looks: [look(4), look(10)],
        want: { state: "healthy", reason: "up 10s without a restart" },
      },
      {
        name: "health: none is healthy while the unit is up",
        s: { ...DEFAULT_HEALTH, probe: { kind: "none" } },
        looks: [look(0)],
        want: { state: "healthy", reason: "health: none" },
      },
      {
        name: "failed probes inside start_period do not count (a slow starter)",
        s: HTTP,
        looks: [
          look(1, [up()], FAIL),
          look(2, [up()], FAIL),
          look(3, [up()], FAIL),
          look(4, [up()], FAIL),
        ],
        want: { state: "pending", waitMs: 1_000 },
      },
      {
        name: "a slow starter that answers inside start_period is healthy",
        s: HTTP,
        looks: [look(1, [up()], FAIL), look(2, [up()], FAIL), look(4, [up()], OK)],
        want: { state: "healthy", reason: "http passed after 3 probe(s)" },
      },
      {
        name: "after start_period failures back off: 1 failure waits 1 interval, 2 wait 2",
        s: HTTP,
        looks: [look(5, [up()], FAIL), look(6, [up()], FAIL)],
        want: { state: "pending", waitMs: 2_000 },
      },
      {
        name: "retries failures in a row after start_period are unhealthy, naming the last answer",
        s: HTTP,
        looks: [look(5, [up()], FAIL), look(6, [up()], FAIL), look(8, [up()], FAIL)],
        want: { state: "unhealthy", reason: "http 503 after 3 tries" },
      },
      {
        name: "a pass resets the count: the latest probe decides",
        s: HTTP,
        looks: [look(5, [up()], FAIL), look(6, [up()], FAIL), look(8, [up()], OK)],
        want: { state: "healthy", reason: "http passed after 3 probe(s)" },
      },
      {
        name: "no verdict by window is unhealthy",
        s: { ...HTTP, retries: 100, windowMs: 10_000 },
        looks: [look(6, [up()], FAIL), look(10, [up()], FAIL)],
        want: {
          state: "unhealthy",
          reason: "no healthy http probe within 10s (last: http 503)",
        },
      },
      {
        name: "the wait never passes the window",
        s: { ...HTTP, retries: 100, windowMs: 9_000 },
        looks: [
          look(5, [up()], FAIL),
          look(6, [up()], FAIL),
          look(7, [up()], FAIL),
          look(8, [up()], FAIL),
        ],
        want: { state: "pending", waitMs: 1_000 },
      },
    ];
    for (const t of table) assert.deepEqual(judge(t.s, T0, t.looks), t.want, t.name);
  },
});
