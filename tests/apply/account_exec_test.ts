/**
 * The executor with actions for another account (`user`): each goes to that account's files,
 * manager and podman storage, in plan order, and hoist's own adapters see only their own actions;
 * an account the run does not know fails its actions, saying so, and skips what needs them.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Fs } from "../../lib/adapters/fs.ts";
import type { Systemctl } from "../../lib/adapters/systemctl.ts";
import type { AccountExec } from "../../lib/apply/account_exec.ts";
import { applyPlan } from "../../lib/apply/apply_plan.ts";
import type { PullSettings } from "../../lib/apply/pull_images.ts";
import type { Action, Plan } from "../../lib/reconcile/types.ts";
import type { UnitState } from "../../lib/types/observed.ts";

const LOADED: UnitState = { load: "loaded", active: "active", sub: "running" };

function systemctl(calls: string[], who: string): Systemctl {
  const log = (verb: string) => (units: readonly string[]) => {
    calls.push(`${who}: ${verb} ${units.join(" ")}`);
    return Promise.resolve();
  };
  return {
    show: (units) => Promise.resolve(new Map(units.map((u) => [u, LOADED]))),
    daemonReload: () => {
      calls.push(`${who}: daemon-reload`);
      return Promise.resolve();
    },
    resetFailed: log("reset-failed"),
    start: log("start"),
    restart: log("restart"),
    stop: log("stop"),
  };
}

function pulls(calls: string[], who: string): PullSettings {
  return {
    images: {
      imageId: () => Promise.resolve(undefined),
      pull: (ref: string) => {
        calls.push(`${who}: pull ${ref}`);
        return Promise.resolve("sha256:1");
      },
    } as unknown as PullSettings["images"],
    authFile: () => Promise.resolve(undefined),
    timeoutMs: 1000,
    parallel: 1,
  };
}

function setup() {
  const calls: string[] = [];
  const fs = {
    writeAtomic: (p: string) => {
      calls.push(`root: write ${p}`);
      return Promise.resolve();
    },
    remove: (p: string) => {
      calls.push(`root: remove ${p}`);
      return Promise.resolve();
    },
    createFolder: (dir: string) => {
      calls.push(`root: copy ${dir}`);
      return Promise.resolve();
    },
  } as unknown as Fs;
  const svc: AccountExec = {
    systemctl: systemctl(calls, "svc"),
    files: {
      write: (rel) => {
        calls.push(`svc: write ${rel}`);
        return Promise.resolve();
      },
      remove: (rel) => {
        calls.push(`svc: remove ${rel}`);
        return Promise.resolve();
      },
    },
    shareCopy: (dir) => {
      calls.push(`svc: share ${dir}`);
      return Promise.resolve();
    },
    pull: pulls(calls, "svc"),
    // the health gate's, never the executor's
    facts: { facts: () => Promise.reject(new Error("the executor reads no unit facts")) },
    probes: {} as AccountExec["probes"],
  };
  const deps = {
    fs,
    systemctl: systemctl(calls, "root"),
    scripts: { run: () => Promise.resolve({ code: 0, output: "" }) },
    sleep: () => Promise.resolve(),
    clock: () => new Date(0),
    pull: pulls(calls, "root"),
    accountExec: (user: string) => (user === "svc" ? svc : undefined),
  };
  return { calls, deps };
}

const why = { code: "new-unit", reason: "new" } as const;
const ACTIONS: Action[] = [
  {
    kind: "pull",
    service: "web",
    images: [{ ref: "docker.io/library/web:1", policy: "missing" }],
    user: "svc",
    code: "images-first",
    reason: "first",
  },
  {
    kind: "pull",
    service: "api",
    images: [{ ref: "docker.io/library/api:1", policy: "missing" }],
    code: "images-first",
    reason: "first",
  },
  {
    kind: "copy",
    scope: "service",
    service: "web",
    dir: "/s/services/web/h1",
    files: [],
    user: "svc",
    code: "service-files",
    reason: "files",
  },
  {
    kind: "write",
    service: "web",
    unit: "gitops-web.container",
    content: "x",
    previous: null,
    serviceUnit: "gitops-web.service",
    user: "svc",
    ...why,
  },
  {
    kind: "write",
    service: "api",
    unit: "gitops-api.container",
    content: "y",
    previous: null,
    serviceUnit: "gitops-api.service",
    ...why,
  },
  { kind: "daemon-reload", waitFor: ["gitops-api.service"], code: "units-changed", reason: "r" },
  {
    kind: "daemon-reload",
    waitFor: ["gitops-web.service"],
    user: "svc",
    code: "units-changed",
    reason: "r",
  },
  {
    kind: "start",
    service: "api",
    units: ["gitops-api.service"],
    code: "new-service",
    reason: "s",
  },
  {
    kind: "start",
    service: "web",
    units: ["gitops-web.service"],
    user: "svc",
    code: "new-service",
    reason: "s",
  },
];

function planOf(actions: Action[]): Plan {
  return {
    revision: "r1",
    host: "h",
    actions,
    consequences: [],
    inventory: [],
    problems: [],
    blocked: false,
  };
}

Deno.test({
  name:
    "applyPlan() sends each action with user to that account's files, manager and storage, in plan order",
  permissions: "none",
  async fn() {
    const { calls, deps } = setup();
    const result = await applyPlan(planOf(ACTIONS), deps, {
      quadletDir: "/q",
      now: "t",
      loadTimeoutMs: 100,
    });
    assert.equal(result.failed, false, JSON.stringify(result.actions));
    assert.deepEqual(calls, [
      "svc: pull docker.io/library/web:1",
      "root: pull docker.io/library/api:1",
      "root: copy /s/services/web/h1",
      "svc: share /s/services/web/h1",
      "svc: write gitops-web.container",
      "root: write /q/gitops-api.container",
      "root: daemon-reload",
      "svc: daemon-reload",
      "root: start gitops-api.service",
      "svc: start gitops-web.service",
    ]);
  },
});

Deno.test({
  name:
    "applyPlan() fails the actions of an account the run does not know, naming it, and skips what needs them",
  permissions: "none",
  async fn() {
    const { calls, deps } = setup();
    const foreign = ACTIONS.filter((a) => a.kind !== "pull" && a.kind !== "copy").map((a) =>
      "user" in a && a.user === "svc" ? { ...a, user: "ghost" } : a
    );
    const result = await applyPlan(planOf(foreign), deps, {
      quadletDir: "/q",
      now: "t",
      loadTimeoutMs: 100,
    });
    const write = result.actions.find((r) => r.unit === "gitops-web.container");
    assert.equal(write?.result, "failed");
    assert.match(write?.error ?? "", /account ghost is not known here/);
    assert.equal(
      result.actions.find((r) => r.kind === "start" && r.service === "web")?.result,
      "skipped",
    );
    assert.ok(calls.includes("root: start gitops-api.service"), "hoist's own service still starts");
    assert.ok(!calls.some((c) => c.startsWith("svc:")));
  },
});
