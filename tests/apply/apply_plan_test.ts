/**
 * The executor with recording fakes: exact call order, and what a failed step skips.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Fs } from "../../lib/adapters/fs.ts";
import type { Scripts } from "../../lib/adapters/scripts.ts";
import type { Systemctl } from "../../lib/adapters/systemctl.ts";
import { type ApplyDeps, applyPlan } from "../../lib/apply/apply_plan.ts";
import type { DesiredFile } from "../../lib/desired/types.ts";
import type { UnitState } from "../../lib/types/observed.ts";
import type { Action, InventoryChange, Plan } from "../../lib/reconcile/types.ts";

const Q = "/q";
const NOW = "2024-05-01T12:00:00.000Z";

/** Recording fakes of Fs, Systemctl and Scripts; every call is pushed to `calls`. */
function recorder(opts: {
  failWrite?: readonly string[];
  failRemove?: readonly string[];
  failStop?: readonly string[];
  failStart?: readonly string[];
  failReload?: boolean;
  notLoaded?: readonly string[];
  scriptCode?: Partial<Record<string, number>>;
} = {}) {
  const calls: string[] = [];
  const rel = (path: string) => (path.startsWith(`${Q}/`) ? path.slice(Q.length + 1) : path);
  const fs: Fs = {
    exists: (p) => {
      calls.push(`exists ${p}`);
      return Promise.resolve(false);
    },
    readText: (p) => {
      calls.push(`readText ${p}`);
      return Promise.resolve(undefined);
    },
    writeAtomic: (p) => {
      calls.push(`write ${rel(p)}`);
      if (opts.failWrite?.includes(rel(p))) return Promise.reject(new Error(`EACCES ${p}`));
      return Promise.resolve();
    },
    remove: (p) => {
      calls.push(`remove ${rel(p)}`);
      if (opts.failRemove?.includes(rel(p))) return Promise.reject(new Error(`EBUSY ${p}`));
      return Promise.resolve();
    },
    createFolder: (dir, files) => {
      calls.push(`copy ${dir} (${files.map((f) => f.path).join(",")})`);
      return Promise.resolve();
    },
    removeTree: (p) => {
      calls.push(`removeTree ${p}`);
      return Promise.resolve();
    },
    listFiles: (dir) => {
      calls.push(`listFiles ${dir}`);
      return Promise.resolve([]);
    },
    listFolders: (dir) => {
      calls.push(`listFolders ${dir}`);
      return Promise.resolve([]);
    },
    mkdirp: (p) => {
      calls.push(`mkdirp ${p}`);
      return Promise.resolve();
    },
    makeTempDir: (prefix) => {
      calls.push(`makeTempDir ${prefix}`);
      return Promise.resolve(`/tmp/${prefix}x`);
    },
  };
  const unitCall =
    (verb: string, fail: readonly string[] | undefined) => (units: readonly string[]) => {
      calls.push(`${verb} ${units.join(" ")}`);
      const bad = units.filter((u) => fail?.includes(u));
      return bad.length > 0
        ? Promise.reject(new Error(`systemctl ${verb} failed: ${bad.join(" ")}`))
        : Promise.resolve();
    };
  const systemctl: Systemctl = {
    show: (units) => {
      calls.push(`show ${units.join(" ")}`);
      return Promise.resolve(
        new Map(units.map((u): [string, UnitState] => [u, {
          load: opts.notLoaded?.includes(u) ? "not-found" : "loaded",
          active: "inactive",
          sub: "dead",
        }])),
      );
    },
    daemonReload: () => {
      calls.push("daemon-reload");
      return opts.failReload ? Promise.reject(new Error("bus error")) : Promise.resolve();
    },
    resetFailed: unitCall("reset-failed", undefined),
    start: unitCall("start", opts.failStart),
    restart: unitCall("restart", opts.failStart),
    stop: unitCall("stop", opts.failStop),
  };
  const scripts: Scripts = {
    run: (script, cwd, env) => {
      const phase = env.HOIST_PHASE ?? "?";
      calls.push(`script ${phase} in ${cwd}`);
      const code = opts.scriptCode?.[phase] ?? 0;
      return Promise.resolve({ code, output: code === 0 ? "" : `${script.trim()}: boom` });
    },
  };
  const deps: ApplyDeps = {
    fs,
    systemctl,
    scripts,
    sleep: () => Promise.resolve(),
    clock: () => new Date(NOW),
  };
  return { calls, deps };
}

const file = (path: string): DesiredFile => ({
  path,
  data: new TextEncoder().encode(path),
  digest: "d",
});

const write = (service: string, unit: string, serviceUnit: string): Action => ({
  kind: "write",
  service,
  unit,
  content: `[Container]\nLabel=gitops-service=${service}\n`,
  previous: null,
  serviceUnit,
  code: "new-unit",
  reason: "new unit",
});

const unitAction = (
  kind: "start" | "restart" | "stop",
  service: string,
  ...units: string[]
): Action => ({ kind, service, units, code: "content-changed", reason: `${kind} it` });

const record = (
  service: string,
  hash: string,
  units: { path: string; serviceUnit: string }[],
): InventoryChange => ({
  service,
  record: {
    hash,
    inputs: { [units[0]?.path ?? "x"]: `${hash}-digest` },
    serviceUnits: units.map((u) => u.serviceUnit),
    units,
  },
});

/**
 * A plan touching every kind of action: db is dropped (stop, remove), web changes (copy, write,
 * restart), api is new (write, start), with pre/post scripts and a prune of web's old copy.
 */
function fullPlan(): Plan {
  const actions: Action[] = [
    {
      kind: "copy",
      scope: "host",
      source: "main",
      dir: "/s/host/h1",
      files: [file("config.yml")],
      code: "host-files",
      reason: "host",
    },
    {
      kind: "run-script",
      phase: "pre",
      script: "mkdir x",
      cwd: "/s/host/h1",
      code: "script",
      reason: "pre",
    },
    unitAction("stop", "db", "db.service"),
    {
      kind: "remove",
      service: "db",
      unit: "gitops-db/db.container",
      previous: "x",
      code: "service-removed",
      reason: "gone",
    },
    {
      kind: "copy",
      scope: "service",
      service: "web",
      dir: "/s/services/web/h2",
      files: [file("index.html")],
      code: "service-files",
      reason: "files",
    },
    write("api", "gitops-api.container", "gitops-api.service"),
    write("web", "gitops-web.container", "gitops-web.service"),
    {
      kind: "daemon-reload",
      waitFor: ["gitops-api.service", "gitops-web.service"],
      code: "units-changed",
      reason: "unit files changed",
    },
    unitAction("start", "api", "gitops-api.service"),
    unitAction("restart", "web", "gitops-web.service"),
    {
      kind: "prune",
      service: "web",
      dirs: ["/s/services/web/h0"],
      code: "old-copies",
      reason: "keep 1",
    },
    {
      kind: "run-script",
      phase: "post",
      script: "echo done",
      cwd: "/s/host/h1",
      code: "script",
      reason: "post",
    },
  ];
  return {
    revision: "c0ffee",
    host: "h1",
    actions,
    consequences: [],
    inventory: [
      record("api", "h-api", [{ path: "gitops-api.container", serviceUnit: "gitops-api.service" }]),
      { service: "db", record: null },
      record("web", "h-web", [{ path: "gitops-web.container", serviceUnit: "gitops-web.service" }]),
    ],
    problems: [],
    blocked: false,
  };
}

const opts = { quadletDir: Q, now: NOW, loadTimeoutMs: 0 };

const results = (r: Awaited<ReturnType<typeof applyPlan>>) =>
  r.actions.map((a) => `${a.result} ${a.kind} ${a.service || "-"} ${a.unit}`);

Deno.test("applyPlan() calls in plan order: pre, stop before remove, copies, writes, one reload, restarts, post", async () => {
  const { calls, deps } = recorder();
  const r = await applyPlan(fullPlan(), deps, opts);
  assert.deepEqual(calls, [
    "copy /s/host/h1 (config.yml)",
    "mkdirp /s/host/h1",
    "script pre in /s/host/h1",
    "stop db.service",
    "remove gitops-db/db.container",
    "copy /s/services/web/h2 (index.html)",
    "write gitops-api.container",
    "write gitops-web.container",
    "daemon-reload",
    "show gitops-api.service gitops-web.service",
    "start gitops-api.service",
    "restart gitops-web.service",
    "removeTree /s/services/web/h0",
    "mkdirp /s/host/h1",
    "script post in /s/host/h1",
  ]);
  assert.equal(calls.filter((c) => c === "daemon-reload").length, 1);
  assert.equal(r.failed, false);
  assert.ok(r.actions.every((a) => a.result === "ok"), results(r).join("\n"));
  assert.equal(r.actions.length, fullPlan().actions.length);
});

Deno.test("applyPlan() records the inventory: written units, removed units, services with revision and time", async () => {
  const { deps } = recorder();
  const r = await applyPlan(fullPlan(), deps, opts);
  assert.deepEqual(r.inventory, {
    upsertUnits: [
      { path: "gitops-api.container", service: "api", serviceUnit: "gitops-api.service" },
      { path: "gitops-web.container", service: "web", serviceUnit: "gitops-web.service" },
    ],
    deleteUnits: ["gitops-db/db.container"],
    upsertServices: [
      {
        name: "api",
        hash: "h-api",
        inputs: { "gitops-api.container": "h-api-digest" },
        serviceUnits: ["gitops-api.service"],
        revision: "c0ffee",
        changedAt: NOW,
      },
      {
        name: "web",
        hash: "h-web",
        inputs: { "gitops-web.container": "h-web-digest" },
        serviceUnits: ["gitops-web.service"],
        revision: "c0ffee",
        changedAt: NOW,
      },
    ],
    deleteServices: ["db"],
  });
});

Deno.test("applyPlan() adopts units listed by an inventory change even when nothing is written", async () => {
  const { calls, deps } = recorder();
  const plan: Plan = {
    revision: "r2",
    host: "h1",
    actions: [],
    consequences: [],
    inventory: [
      record("web", "h-web", [
        { path: "gitops-web.container", serviceUnit: "gitops-web.service" },
        { path: "gitops-web/net.network", serviceUnit: "net-network.service" },
      ]),
    ],
    problems: [],
    blocked: false,
  };
  const r = await applyPlan(plan, deps, opts);
  assert.deepEqual(calls, []);
  assert.deepEqual(r.inventory.upsertUnits.map((u) => u.path), [
    "gitops-web.container",
    "gitops-web/net.network",
  ]);
  assert.deepEqual(r.inventory.upsertServices.map((s) => [s.name, s.revision]), [["web", "r2"]]);
  assert.equal(r.failed, false);
});

Deno.test("applyPlan() skips the start of a service whose write failed, and only that one", async () => {
  const { calls, deps } = recorder({ failWrite: ["gitops-api.container"] });
  const r = await applyPlan(fullPlan(), deps, opts);
  assert.ok(calls.includes("restart gitops-web.service"), calls.join("\n"));
  assert.ok(!calls.includes("start gitops-api.service"), calls.join("\n"));
  assert.ok(calls.includes("daemon-reload"));
  assert.ok(calls.includes("script post in /s/host/h1"), "post.script still runs");
  assert.deepEqual(
    results(r).filter((x) => !x.startsWith("ok ")),
    ["failed write api gitops-api.container", "skipped start api gitops-api.service"],
  );
  assert.match(r.actions.find((a) => a.result === "failed")?.error ?? "", /EACCES/);
  assert.equal(r.failed, true);
  assert.deepEqual(r.inventory.upsertServices.map((s) => s.name), ["web"]);
  assert.deepEqual(r.inventory.upsertUnits.map((u) => u.path), ["gitops-web.container"]);
  assert.deepEqual(r.inventory.deleteServices, ["db"]);
});

Deno.test("applyPlan() runs nothing after a failed pre.script and changes no inventory", async () => {
  const { calls, deps } = recorder({ scriptCode: { pre: 3 } });
  const r = await applyPlan(fullPlan(), deps, opts);
  assert.deepEqual(calls, [
    "copy /s/host/h1 (config.yml)",
    "mkdirp /s/host/h1",
    "script pre in /s/host/h1",
  ]);
  assert.equal(r.failed, true);
  const failed = r.actions.filter((a) => a.result === "failed");
  assert.equal(failed.length, 1);
  assert.match(failed[0]!.error ?? "", /pre\.script exited 3/);
  assert.equal(
    r.actions.filter((a) => a.result === "skipped").length,
    fullPlan().actions.length - 2,
  );
  assert.deepEqual(r.inventory, {
    upsertUnits: [],
    deleteUnits: [],
    upsertServices: [],
    deleteServices: [],
  });
});

Deno.test("applyPlan() fails only the service whose unit systemd has not loaded after the reload", async () => {
  const { calls, deps } = recorder({ notLoaded: ["gitops-api.service"] });
  const r = await applyPlan(fullPlan(), deps, opts);
  assert.ok(!calls.includes("start gitops-api.service"), calls.join("\n"));
  assert.ok(calls.includes("restart gitops-web.service"), calls.join("\n"));
  const bad = r.actions.filter((a) => a.result !== "ok");
  assert.deepEqual(bad.map((a) => `${a.result} ${a.kind} ${a.service} ${a.unit}`), [
    "failed start api gitops-api.service",
    "skipped start api gitops-api.service",
  ]);
  assert.match(bad[0]!.error ?? "", /gitops-api\.service/);
  assert.equal(r.failed, true);
});

Deno.test("applyPlan() skips starts and restarts when daemon-reload fails", async () => {
  const { calls, deps } = recorder({ failReload: true });
  const r = await applyPlan(fullPlan(), deps, opts);
  assert.ok(
    !calls.some((c) => c.startsWith("start ") || c.startsWith("restart ")),
    calls.join("\n"),
  );
  assert.ok(
    !calls.some((c) => c.startsWith("show ")),
    "no waiting for units after a failed reload",
  );
  assert.deepEqual(results(r).filter((x) => !x.startsWith("ok ")), [
    "failed daemon-reload - ",
    "skipped start api gitops-api.service",
    "skipped restart web gitops-web.service",
  ]);
  assert.equal(r.failed, true);
});

Deno.test("applyPlan() keeps the unit file and the inventory of a service whose stop failed", async () => {
  const { calls, deps } = recorder({ failStop: ["db.service"] });
  const r = await applyPlan(fullPlan(), deps, opts);
  assert.ok(!calls.some((c) => c.startsWith("remove ")), calls.join("\n"));
  assert.ok(calls.includes("start gitops-api.service"), "unrelated services go on");
  assert.deepEqual(r.inventory.deleteServices, []);
  assert.deepEqual(r.inventory.deleteUnits, []);
  assert.deepEqual(results(r).filter((x) => !x.startsWith("ok ")), [
    "failed stop db db.service",
    "skipped remove db gitops-db/db.container",
  ]);
});

Deno.test("applyPlan() reports a failed start and still starts the services after it", async () => {
  const { calls, deps } = recorder({ failStart: ["gitops-api.service"] });
  const r = await applyPlan(fullPlan(), deps, opts);
  assert.ok(calls.includes("restart gitops-web.service"));
  assert.deepEqual(results(r).filter((x) => !x.startsWith("ok ")), [
    "failed start api gitops-api.service",
  ]);
  assert.equal(r.failed, true);
});

Deno.test("applyPlan() keeps a service's old hash when its (re)start failed or was skipped, but owns its files", async () => {
  const { deps } = recorder({ failStart: ["gitops-api.service"], failReload: false });
  const r = await applyPlan(fullPlan(), deps, opts);
  assert.deepEqual(
    r.inventory.upsertServices.map((s) => s.name),
    ["web"],
    "api's hash does not move",
  );
  assert.ok(
    r.inventory.upsertUnits.some((u) => u.path === "gitops-api.container"),
    "its file is still hoist's",
  );
  const skipped = await applyPlan(fullPlan(), recorder({ failReload: true }).deps, opts);
  assert.deepEqual(
    skipped.inventory.upsertServices.map((s) => s.name),
    [],
    "no restart ran: no hash moves",
  );
});

Deno.test("applyPlan() treats a failing systemctl show after the reload as units not loaded, and does not throw", async () => {
  const { deps } = recorder();
  const broken = {
    ...deps,
    systemctl: { ...deps.systemctl, show: () => Promise.reject(new Error("bus gone")) },
  };
  const r = await applyPlan(fullPlan(), broken, opts);
  assert.ok(results(r).includes("failed start api gitops-api.service"));
  assert.ok(results(r).includes("failed restart web gitops-web.service"));
});

Deno.test("applyPlan() stops everything after a failed host copy (scripts would run in an empty folder)", async () => {
  const { calls, deps } = recorder();
  const failing = {
    ...deps,
    fs: {
      ...deps.fs,
      createFolder: (dir: string) =>
        dir === "/s/host/h1" ? Promise.reject(new Error("ENOSPC")) : Promise.resolve(),
    },
  };
  const r = await applyPlan(fullPlan(), failing, opts);
  assert.ok(
    !calls.some((c) => c.startsWith("run-script") || c.startsWith("script")),
    calls.join("\n"),
  );
  assert.deepEqual(results(r).filter((x) => x.startsWith("ok ")), []);
});

Deno.test("applyPlan() clears a unit's failed state right before a start or restart that asks for it, and only then", async () => {
  const { calls, deps } = recorder();
  const plan: Plan = {
    revision: "r2",
    host: "h1",
    actions: [
      { ...unitAction("restart", "web", "gitops-web.service"), resetFailed: true } as Action,
      { ...unitAction("start", "api", "gitops-api.service"), resetFailed: true } as Action,
      unitAction("start", "db", "gitops-db.service"),
    ],
    consequences: [],
    inventory: [],
    problems: [],
    blocked: false,
  };
  const r = await applyPlan(plan, deps, opts);
  assert.deepEqual(calls, [
    "reset-failed gitops-web.service",
    "restart gitops-web.service",
    "reset-failed gitops-api.service",
    "start gitops-api.service",
    "start gitops-db.service",
  ]);
  assert.equal(r.failed, false);
});

Deno.test("applyPlan() writes the reload-pending mark before the first unit write and deletes it after the reload", async () => {
  const { calls, deps } = recorder();
  await applyPlan(fullPlan(), deps, {
    ...opts,
    reloadMark: { path: "/s/reload-pending", root: "/s" },
  });
  const at = (c: string) => calls.indexOf(c);
  assert.ok(at("write /s/reload-pending") >= 0, calls.join("\n"));
  assert.ok(at("write /s/reload-pending") < at("remove gitops-db/db.container"));
  assert.ok(at("daemon-reload") < at("remove /s/reload-pending"));
  assert.equal(calls.filter((c) => c === "write /s/reload-pending").length, 1);
});

Deno.test("applyPlan() leaves the reload-pending mark when daemon-reload fails", async () => {
  const { calls, deps } = recorder({ failReload: true });
  await applyPlan(fullPlan(), deps, {
    ...opts,
    reloadMark: { path: "/s/reload-pending", root: "/s" },
  });
  assert.ok(calls.includes("write /s/reload-pending"));
  assert.ok(!calls.includes("remove /s/reload-pending"), calls.join("\n"));
});

Deno.test("applyPlan() fails a start whose unit is down a moment later, waiting only until the youngest unit is settled", async () => {
  const { calls, deps } = recorder();
  let now = 1_000_000;
  const slept: number[] = [];
  let shows = 0;
  const settled: ApplyDeps = {
    ...deps,
    clock: () => new Date(now),
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
    systemctl: {
      ...deps.systemctl,
      show: (units) => {
        calls.push(`show ${units.join(" ")}`);
        shows++;
        // api has run for a while; web became active 300 ms ago, and is dead by the second look
        const states = new Map<string, UnitState>([
          ["gitops-api.service", {
            load: "loaded",
            active: "active",
            sub: "running",
            activeSince: now - 10_000,
          }],
          [
            "gitops-web.service",
            shows === 1
              ? { load: "loaded", active: "active", sub: "running", activeSince: now - 300 }
              : { load: "loaded", active: "failed", sub: "failed", result: "exit-code" },
          ],
        ]);
        return Promise.resolve(
          new Map(units.flatMap((u) => {
            const s = states.get(u);
            return s ? [[u, s] as const] : [];
          })),
        );
      },
    },
  };
  const plan: Plan = {
    revision: "r2",
    host: "h1",
    actions: [
      unitAction("start", "api", "gitops-api.service"),
      unitAction("start", "web", "gitops-web.service"),
    ],
    consequences: [],
    inventory: [
      record("api", "h-api", [{ path: "gitops-api.container", serviceUnit: "gitops-api.service" }]),
      record("web", "h-web", [{ path: "gitops-web.container", serviceUnit: "gitops-web.service" }]),
    ],
    problems: [],
    blocked: false,
  };
  const r = await applyPlan(plan, settled, { ...opts, settleMs: 1500 });
  assert.deepEqual(slept, [1200], "what is left of web's 1.5 s");
  assert.deepEqual(calls.filter((c) => c.startsWith("show")), [
    "show gitops-api.service gitops-web.service",
    "show gitops-api.service gitops-web.service",
  ]);
  assert.equal(r.failed, true);
  const failed = r.actions.filter((a) => a.result === "failed");
  assert.deepEqual(failed.map((a) => [a.kind, a.service, a.unit]), [
    ["start", "web", "gitops-web.service"],
  ]);
  assert.match(
    failed[0]?.error ?? "",
    /gitops-web\.service failed \(failed, exit-code\) right after it started/,
  );
  assert.deepEqual(r.inventory.upsertServices.map((s) => s.name), ["api"], "web keeps no new hash");
});

Deno.test("applyPlan() does not wait when systemd gives no activation time, and still checks once", async () => {
  const { calls, deps } = recorder();
  const slept: number[] = [];
  const r = await applyPlan(
    {
      revision: "r",
      host: "h1",
      actions: [unitAction("start", "api", "gitops-api.service")],
      consequences: [],
      inventory: [],
      problems: [],
      blocked: false,
    },
    {
      ...deps,
      sleep: (ms) => (slept.push(ms), Promise.resolve()),
      systemctl: {
        ...deps.systemctl,
        show: (units) => {
          calls.push(`show ${units.join(" ")}`);
          return Promise.resolve(
            new Map(units.map((u) => [u, { load: "loaded", active: "active", sub: "running" }])),
          );
        },
      },
    },
    { ...opts, settleMs: 1500 },
  );
  assert.deepEqual(slept, []);
  assert.deepEqual(calls, ["start gitops-api.service", "show gitops-api.service"]);
  assert.equal(r.failed, false);
});

Deno.test("applyPlan() waits for nothing and asks nothing when no unit started", async () => {
  const { calls, deps } = recorder();
  const slept: number[] = [];
  const r = await applyPlan(
    {
      revision: "r",
      host: "h1",
      actions: [unitAction("stop", "db", "db.service")],
      consequences: [],
      inventory: [],
      problems: [],
      blocked: false,
    },
    { ...deps, sleep: (ms) => (slept.push(ms), Promise.resolve()) },
    { ...opts, settleMs: 1500 },
  );
  assert.deepEqual(slept, []);
  assert.deepEqual(calls, ["stop db.service"]);
  assert.equal(r.failed, false);
});
