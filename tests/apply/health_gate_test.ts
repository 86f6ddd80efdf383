import assert from "node:assert/strict";
import type { Fs } from "../../lib/adapters/fs.ts";
import type { Systemctl } from "../../lib/adapters/systemctl.ts";
import type { GateDeps } from "../../lib/apply/gate_deps.ts";
import { type GateInput, healthGate } from "../../lib/apply/health_gate.ts";
import type { HealthyRevision, UnitFacts } from "../../lib/health/types.ts";
import type { ApplyResult } from "../../lib/reconcile/deployment_record.ts";
import type { Action, Plan } from "../../lib/reconcile/types.ts";

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

/** A recording fake host: calls in order, unit facts by a script over the fake clock. */
function fakeHost(
  factsOf: (unit: string, now: number, restartedAt: number | undefined) => UnitFacts,
) {
  const calls: string[] = [];
  let now = T0;
  const restarted = new Map<string, number>();
  const fs = {
    exists: (p: string) => Promise.resolve(!p.includes("pruned")),
    writeAtomic: (p: string) => {
      calls.push(`write ${p}`);
      return Promise.resolve();
    },
    remove: (p: string) => {
      calls.push(`remove ${p}`);
      return Promise.resolve();
    },
  } as unknown as Fs;
  const systemctl = {
    daemonReload: () => {
      calls.push("daemon-reload");
      return Promise.resolve();
    },
    resetFailed: (u: readonly string[]) => {
      calls.push(`reset-failed ${u.join(" ")}`);
      return Promise.resolve();
    },
    restart: (u: readonly string[]) => {
      calls.push(`restart ${u.join(" ")}`);
      for (const x of u) restarted.set(x, now);
      return Promise.resolve();
    },
  } as unknown as Systemctl;
  const deps: GateDeps = {
    fs,
    systemctl,
    facts: {
      facts: (units) =>
        Promise.resolve(new Map(units.map((u) => [u, factsOf(u, now, restarted.get(u))]))),
    },
    probes: {
      http: () => Promise.resolve({ ok: true }),
      tcp: () => Promise.resolve({ ok: true }),
      command: () => Promise.resolve({ ok: true }),
      container: () => Promise.resolve({ ok: true }),
      containerOf: () => Promise.resolve(undefined),
    },
    clock: () => new Date(now),
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
  return { deps, calls, restarted };
}

const restart = (service: string): Action => ({
  kind: "restart",
  service,
  units: [`${service}.service`],
  resetFailed: true,
  code: "content-changed",
  reason: "content changed",
});
const write = (service: string): Action => ({
  kind: "write",
  service,
  unit: `${service}.container`,
  content: "new",
  previous: "old",
  serviceUnit: `${service}.service`,
  code: "content-changed",
  reason: "content changed",
});
const reload: Action = { kind: "daemon-reload", waitFor: [], code: "units-changed", reason: "" };

function input(services: string[], healthy: HealthyRevision[]): GateInput {
  const plan: Plan = {
    revision: "rev2",
    host: "h",
    actions: [...services.map(write), reload, ...services.map(restart)],
    consequences: [],
    inventory: services.map((s) => ({
      service: s,
      record: {
        hash: `${s}-new`,
        inputs: { "manifest.yml": "d2" },
        serviceUnits: [`${s}.service`],
        units: [{ path: `${s}.container`, serviceUnit: `${s}.service` }],
      },
    })),
    problems: [],
    blocked: false,
  };
  const applied: ApplyResult = {
    actions: plan.actions.map((a) => ({
      kind: a.kind,
      service: "service" in a ? a.service : "",
      unit: "",
      reason: a.reason,
      result: "ok" as const,
    })),
    inventory: {
      upsertUnits: services.map((s) => ({
        path: `${s}.container`,
        service: s,
        serviceUnit: `${s}.service`,
      })),
      deleteUnits: [],
      upsertServices: services.map((s) => ({
        name: s,
        hash: `${s}-new`,
        inputs: { "manifest.yml": "d2" },
        serviceUnits: [`${s}.service`],
        revision: "rev2",
        changedAt: "t",
      })),
      deleteServices: [],
    },
    failed: false,
  };
  return {
    plan,
    applied,
    prev: new Map(services.map((s) => [s, {
      name: s,
      hash: `${s}-old`,
      inputs: {},
      serviceUnits: [`${s}.service`],
      revision: "rev1",
      changedAt: "t",
    }])),
    services: new Map(services.map((s) => [s, {
      revision: {
        service: s,
        hash: `${s}-new`,
        units: [{ path: `${s}.container`, serviceUnit: `${s}.service`, content: "new" }],
        inputs: { "manifest.yml": "d2" },
        serviceUnits: [`${s}.service`],
      },
    }])),
    healthy,
    failed: [],
    quadletDir: "/q",
  };
}

const old = (service: string): HealthyRevision => ({
  service,
  hash: `${service}-old`,
  revision: "rev1",
  at: "2026-11-30T00:00:00.000Z",
  units: [{ path: `${service}.container`, serviceUnit: `${service}.service`, content: "old" }],
  inputs: { "manifest.yml": "d1" },
  serviceUnits: [`${service}.service`],
  dir: `/state/services/${service}/${service}-old`,
});

/** web crash-loops under Restart=always until the rollback restarts it; db stays up. */
const webLoops = (unit: string, now: number, restartedAt: number | undefined): UnitFacts => {
  const base = { unit, active: "active", sub: "running", result: "success" };
  if (unit !== "web.service" || restartedAt !== undefined) {
    return { ...base, nRestarts: 0, activeSince: restartedAt ?? T0 };
  }
  const n = Math.floor((now - T0) / 2_000);
  return { ...base, nRestarts: n, activeSince: T0 + n * 2_000 };
};

Deno.test({
  name:
    "healthGate() rolls back only the unhealthy one of two changed services: one reload, its units back, restart, judged again",
  permissions: "none",
  async fn() {
    const { deps, calls } = fakeHost(webLoops);
    const out = await healthGate(input(["db", "web"], [old("db"), old("web")]), deps);
    assert.deepEqual(calls, [
      "write /q/web.container",
      "daemon-reload",
      "reset-failed web.service",
      "restart web.service",
    ]);
    assert.equal(out.lines.length, 1);
    assert.match(
      out.lines[0] ?? "",
      /^web: rolled back web-new… → web-old… \(web\.service restarted \d+ time\(s\) by systemd\)$/,
    );
    assert.deepEqual(
      out.recording.checks.map((c) => [c.service, c.phase, c.hash, c.verdict]),
      [
        ["db", "deploy", "db-new", "healthy"],
        ["web", "deploy", "web-new", "unhealthy"],
        ["web", "rollback", "web-old", "healthy"],
      ],
    );
    assert.deepEqual(out.recording.healthy.map((h) => h.hash), ["db-new"]);
    assert.deepEqual(out.recording.failed.map((f) => f.hash), ["web-new"]);
    assert.deepEqual(out.recording.rollbacks.map((r) => [r.fromHash, r.toHash, r.result]), [
      ["web-new", "web-old", "rolled-back"],
    ]);
    assert.deepEqual(
      out.applied.inventory.upsertServices.map((s) => [s.name, s.hash, s.revision]),
      [["db", "db-new", "rev2"], ["web", "web-old", "rev1"]],
    );
    assert.equal(out.applied.failed, true);
  },
});

Deno.test({
  name:
    "healthGate() leaves a service with no healthy revision left (copy pruned) down, rolling nothing",
  permissions: "none",
  async fn() {
    const { deps, calls } = fakeHost(webLoops);
    const pruned = { ...old("web"), dir: "/state/services/web/pruned" };
    const out = await healthGate(input(["web"], [pruned]), deps);
    assert.deepEqual(calls, []);
    assert.match(
      out.lines[0] ?? "",
      /^web: web-new… failed health .* no healthy revision is left .*: down$/,
    );
    assert.deepEqual(out.recording.rollbacks.map((r) => r.result), ["down"]);
    assert.deepEqual(out.recording.failed.map((f) => f.hash), ["web-new"]);
  },
});

Deno.test({
  name: "healthGate() keeps and records services that stay up, and judges nothing without a start",
  permissions: "none",
  async fn() {
    const up = (unit: string): UnitFacts => ({
      unit,
      active: "active",
      sub: "running",
      nRestarts: 0,
      activeSince: T0,
    });
    const { deps, calls } = fakeHost(up);
    const out = await healthGate(input(["web"], [old("web")]), deps);
    assert.deepEqual(calls, []);
    assert.deepEqual(out.lines, []);
    assert.deepEqual(out.recording.healthy.map((h) => [h.hash, h.revision]), [["web-new", "rev2"]]);
    assert.equal(out.applied.failed, false);
    const none = input([], []);
    assert.deepEqual((await healthGate(none, deps)).recording.checks, []);
  },
});

Deno.test({
  name:
    "healthGate() judges a rollback by the default check, not by the probe the failed commit configured",
  permissions: "none",
  async fn() {
    const up = (unit: string, _now: number, restartedAt: number | undefined): UnitFacts => ({
      unit,
      active: "active",
      sub: "running",
      result: "success",
      nRestarts: 0,
      activeSince: restartedAt ?? T0,
    });
    const { deps } = fakeHost(up);
    // the commit that failed checks a page only it would serve: the old revision never passes it
    deps.probes.http = () => Promise.resolve({ ok: false, reason: "http 404" });
    const base = input(["web"], [old("web")]);
    const web = base.services.get("web");
    assert.ok(web !== undefined);
    const health = {
      probe: { kind: "http" as const, url: "http://127.0.0.1:8080/healthz", status: 200 },
      startPeriodMs: 0,
      intervalMs: 500,
      timeoutMs: 500,
      retries: 2,
      windowMs: 20_000,
      settleMs: 3_000,
    };
    const out = await healthGate(
      { ...base, services: new Map([["web", { ...web, health }]]) },
      deps,
    );
    assert.deepEqual(
      out.recording.checks.map((c) => [c.phase, c.probe, c.verdict, c.reason]),
      [
        ["deploy", "http", "unhealthy", "http 404 after 2 tries"],
        ["rollback", "settle", "healthy", "up 10s without a restart"],
      ],
    );
    assert.deepEqual(out.recording.rollbacks.map((r) => r.result), ["rolled-back"]);
  },
});

/** A compose project blog (db, web) whose apply restarted `restarted` of its containers. */
function composeInput(restarted: string[]): GateInput {
  const units = ["blog-db.service", "blog-web.service"];
  const base = input(["blog"], [{ ...old("blog"), serviceUnits: units }]);
  const blog = base.services.get("blog");
  assert.ok(blog !== undefined);
  const command = {
    probe: { kind: "command" as const, argv: ["check-web"] },
    startPeriodMs: 0,
    intervalMs: 500,
    timeoutMs: 500,
    retries: 2,
    windowMs: 20_000,
    settleMs: 3_000,
  };
  return {
    ...base,
    plan: {
      ...base.plan,
      actions: base.plan.actions.map((a) => a.kind === "restart" ? { ...a, units: restarted } : a),
      inventory: base.plan.inventory.map((c) =>
        c.record ? { ...c, record: { ...c.record, serviceUnits: units } } : c
      ),
    },
    services: new Map([["blog", {
      ...blog,
      compose: [
        { service: "db", unit: "blog-db.service" },
        { service: "web", unit: "blog-web.service", health: command },
      ],
    }]]),
  };
}

const upSince = (unit: string, _now: number, restartedAt: number | undefined): UnitFacts => ({
  unit,
  active: "active",
  sub: "running",
  result: "success",
  nRestarts: 0,
  activeSince: restartedAt ?? T0,
});

Deno.test({
  name:
    "healthGate() judges each restarted compose service in its own container; one failing rolls the project back, naming it",
  permissions: "none",
  async fn() {
    const { deps, calls } = fakeHost(upSince);
    const asked: string[] = [];
    const facts = deps.facts.facts;
    deps.facts.facts = (units) => {
      asked.push(...units);
      return facts(units);
    };
    deps.probes.containerOf = (unit) => {
      asked.push(`containerOf ${unit}`);
      return Promise.resolve({
        name: unit.replace(".service", "-ctr"),
        healthcheck: unit === "blog-db.service",
      });
    };
    deps.probes.command = (container, argv) => {
      asked.push(`command ${container} ${argv.join(" ")}`);
      return Promise.resolve({ ok: false, reason: "command exit 1" });
    };
    deps.probes.container = (container) => {
      asked.push(`container ${container}`);
      return Promise.resolve({ ok: true });
    };
    const both = await healthGate(composeInput(["blog-db.service", "blog-web.service"]), deps);
    const deploy = both.recording.checks.filter((c) => c.phase === "deploy");
    assert.deepEqual(deploy.map((c) => [c.probe, c.verdict, c.reason]), [
      ["db=container web=command", "unhealthy", "web: command exit 1 after 2 tries"],
    ]);
    assert.ok(asked.includes("container blog-db-ctr"), asked.join("\n"));
    assert.ok(asked.includes("command blog-web-ctr check-web"), asked.join("\n"));
    assert.ok(!asked.some((a) => a.startsWith("command blog-db")), asked.join("\n"));
    assert.match(both.lines[0] ?? "", /^blog: rolled back blog-new… → blog-old… \(web: command/);
    assert.deepEqual(both.recording.rollbacks.map((r) => r.result), ["rolled-back"]);
    assert.ok(calls.includes("restart blog-db.service blog-web.service"), calls.join("\n"));
    // the restored revision: each compose service by its default check, not web's command
    assert.deepEqual(
      both.recording.checks.filter((c) => c.phase === "rollback").map((c) => [c.probe, c.verdict]),
      [["db=container web=settle", "healthy"]],
    );

    // only web restarted: db is neither probed nor are its facts read
    asked.length = 0;
    calls.length = 0;
    const one = await healthGate(composeInput(["blog-web.service"]), deps);
    // the rollback restarts only web: db kept running what the old revision runs
    assert.deepEqual(calls.filter((c) => c.startsWith("restart")), ["restart blog-web.service"]);
    assert.ok(asked.includes("command blog-web-ctr check-web"), asked.join("\n"));
    // neither the deploy's check nor the rollback's (web's default) touches db
    assert.ok(!asked.some((a) => a.includes("blog-db")), asked.join("\n"));
    assert.deepEqual(
      one.recording.checks.filter((c) => c.phase === "deploy").map((c) => [c.probe, c.reason]),
      [["web=command", "web: command exit 1 after 2 tries"]],
    );
    assert.deepEqual(
      one.recording.checks.filter((c) => c.phase === "rollback").map((c) => c.probe),
      ["web=settle"],
    );

    // web passes: the project is kept and recorded healthy
    deps.probes.command = () => Promise.resolve({ ok: true });
    const kept = await healthGate(composeInput(["blog-db.service", "blog-web.service"]), deps);
    assert.deepEqual(kept.lines, []);
    assert.deepEqual(kept.recording.checks.map((c) => [c.verdict, c.reason]), [[
      "healthy",
      "db: container passed after 1 probe(s); web: command passed after 1 probe(s)",
    ]]);
    assert.deepEqual(kept.recording.healthy.map((h) => h.hash), ["blog-new"]);
  },
});

/**
 * {@link fakeHost} with an account svc the gate reaches through `accountExec`: a recording
 * manager, quadlet folder and probes of its own, facts by `factsOf` (the same clock); hoist's own
 * facts and containers refuse to be asked (`ownFacts`: what they would say).
 */
function accountHost(
  factsOf: (unit: string, now: number, restartedAt: number | undefined) => UnitFacts,
  known: boolean,
) {
  const own = fakeHost(factsOf);
  const { calls, restarted } = own;
  const now = () => own.deps.clock().getTime();
  const account = {
    systemctl: {
      daemonReload: () => {
        calls.push("svc: daemon-reload");
        return Promise.resolve();
      },
      resetFailed: (u: readonly string[]) => {
        calls.push(`svc: reset-failed ${u.join(" ")}`);
        return Promise.resolve();
      },
      restart: (u: readonly string[]) => {
        calls.push(`svc: restart ${u.join(" ")}`);
        for (const x of u) restarted.set(x, now());
        return Promise.resolve();
      },
    } as unknown as Systemctl,
    files: {
      write: (rel: string) => {
        calls.push(`svc: write ${rel}`);
        return Promise.resolve();
      },
      remove: (rel: string) => {
        calls.push(`svc: remove ${rel}`);
        return Promise.resolve();
      },
    },
    facts: {
      facts: (units: readonly string[]) =>
        Promise.resolve(new Map(units.map((u) => [u, factsOf(u, now(), restarted.get(u))]))),
    },
    probes: { ...own.deps.probes },
  };
  const refuse = () => Promise.reject(new Error("hoist's own manager was asked"));
  const deps: GateDeps = {
    ...own.deps,
    facts: { facts: refuse },
    probes: { ...own.deps.probes, containerOf: refuse },
    accountExec: (user) => (known && user === "svc" ? account : undefined),
  };
  return { deps, calls, ownFacts: own.deps.facts };
}

/** `base` with the actions and previous inventory of `services` naming account svc. */
function asSvc(base: GateInput, services: readonly string[]): GateInput {
  const mine = (a: Action) => "service" in a && services.includes(a.service);
  return {
    ...base,
    plan: {
      ...base.plan,
      actions: base.plan.actions.map((a) => mine(a) ? { ...a, user: "svc" } : a),
    },
    prev: new Map(
      [...base.prev].map(([k, v]) => [k, services.includes(k) ? { ...v, user: "svc" } : v]),
    ),
  };
}

Deno.test({
  name:
    "healthGate() judges a service running as another account through that account's manager and podman",
  permissions: "none",
  async fn() {
    const up = (unit: string): UnitFacts => ({
      unit,
      active: "active",
      sub: "running",
      nRestarts: 0,
      activeSince: T0,
    });
    const cases = [
      {
        name:
          "it crash-loops: unhealthy, held back, rolled back in the account's folder and manager",
        facts: webLoops,
        known: true,
        checks: [["deploy", "unhealthy"], ["rollback", "healthy"]],
        calls: [
          "svc: write web.container",
          "svc: daemon-reload",
          "svc: reset-failed web.service",
          "svc: restart web.service",
        ],
        lines: [
          /^web: rolled back web-new… → web-old… \(web\.service restarted \d+ time\(s\) by systemd\)$/,
        ],
        failed: ["web-new"],
        healthy: [] as string[],
        applyFailed: true,
        inventory: [["web", "web-old", "svc"]],
      },
      {
        name: "it stays up: healthy, recorded as a rollback target",
        facts: up,
        known: true,
        checks: [["deploy", "healthy"]],
        calls: [],
        lines: [],
        failed: [],
        healthy: ["web-new"],
        applyFailed: false,
        inventory: [["web", "web-new", undefined]],
      },
      {
        name: "its account is not known here: no verdict, nothing rolled back or held",
        facts: webLoops,
        known: false,
        checks: [["deploy", "unknown"]],
        calls: [],
        lines: [],
        failed: [],
        healthy: [],
        applyFailed: false,
        inventory: [["web", "web-new", undefined]],
      },
    ];
    for (const c of cases) {
      const { deps, calls } = accountHost(c.facts, c.known);
      const out = await healthGate(asSvc(input(["web"], [old("web")]), ["web"]), deps);
      assert.deepEqual(
        out.recording.checks.map((k) => [k.phase, k.verdict]),
        c.checks,
        c.name,
      );
      assert.deepEqual(calls, c.calls, c.name);
      assert.equal(out.lines.length, c.lines.length, `${c.name}: ${out.lines.join("\n")}`);
      for (const [i, re] of c.lines.entries()) assert.match(out.lines[i] ?? "", re, c.name);
      assert.deepEqual(out.recording.failed.map((f) => f.hash), c.failed, c.name);
      assert.deepEqual(out.recording.healthy.map((h) => h.hash), c.healthy, c.name);
      assert.equal(out.applied.failed, c.applyFailed, c.name);
      // input()'s applied inventory names no user: only the rollback writes the record
      assert.deepEqual(
        out.applied.inventory.upsertServices.map((s) => [s.name, s.hash, s.user]),
        c.inventory,
        c.name,
      );
    }
  },
});

Deno.test({
  name:
    "healthGate() rolls back a service of hoist's own and one of an account together: each in its own folder, one reload per manager",
  permissions: "none",
  async fn() {
    const loops = (unit: string, now: number, restartedAt: number | undefined): UnitFacts =>
      webLoops(unit === "db.service" ? "web.service" : unit, now, restartedAt);
    const host = accountHost(loops, true);
    const { calls } = host;
    // db is hoist's own: its facts come from hoist's manager
    const deps = { ...host.deps, facts: host.ownFacts };
    const mixed = asSvc(input(["db", "web"], [old("db"), old("web")]), ["web"]);
    const out = await healthGate(mixed, deps);
    assert.deepEqual(calls.filter((c) => !c.includes("restart ")), [
      "write /q/db.container",
      "svc: write web.container",
      "daemon-reload",
      "svc: daemon-reload",
      "reset-failed db.service",
      "svc: reset-failed web.service",
    ]);
    assert.deepEqual(calls.filter((c) => c.includes("restart ")).sort(), [
      "restart db.service",
      "svc: restart web.service",
    ]);
    assert.deepEqual(out.recording.rollbacks.map((r) => [r.service, r.toHash, r.result]), [
      ["db", "db-old", "rolled-back"],
      ["web", "web-old", "rolled-back"],
    ]);
    assert.deepEqual(
      out.applied.inventory.upsertUnits.map((u) => [u.path, u.user]),
      [["db.container", undefined], ["web.container", "svc"]],
    );
  },
});
