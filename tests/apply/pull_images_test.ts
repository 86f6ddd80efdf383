/**
 * The executor's pull step with recording fakes: one pull per distinct image, a few at a time,
 * `missing` only when absent, the auth file asked for once, and a failed pull skipping only its
 * service (which keeps running: no write, no restart).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Fs } from "../../lib/adapters/fs.ts";
import type { Systemctl } from "../../lib/adapters/systemctl.ts";
import { type ApplyDeps, applyPlan } from "../../lib/apply/apply_plan.ts";
import type { PullSettings } from "../../lib/apply/pull_images.ts";
import { HoistError } from "../../lib/errors.ts";
import type { Action, Plan } from "../../lib/reconcile/types.ts";
import type { UnitState } from "../../lib/types/observed.ts";

const NOW = "2024-05-01T12:00:00.000Z";

function pull(service: string, ...images: [string, "missing" | "always"][]): Action {
  return {
    kind: "pull",
    service,
    images: images.map(([ref, policy]) => ({ ref, policy })),
    code: "images-first",
    reason: "before it restarts",
  };
}

function write(service: string): Action {
  return {
    kind: "write",
    service,
    unit: `${service}.container`,
    content: "[Container]\n",
    previous: "[Container]\n#old\n",
    serviceUnit: `${service}.service`,
    code: "content-changed",
    reason: "content changed",
  };
}

function restart(service: string): Action {
  return {
    kind: "restart",
    service,
    units: [`${service}.service`],
    resetFailed: true,
    code: "content-changed",
    reason: "content changed",
  };
}

function plan(actions: Action[]): Plan {
  return {
    revision: "rev2",
    host: "h",
    actions,
    consequences: [],
    inventory: [],
    problems: [],
    blocked: false,
  };
}

/** Fakes that record calls; pulls wait a turn so concurrency shows. */
function host(opts: { present?: string[]; refuse?: Record<string, string>; authFails?: boolean }) {
  const calls: string[] = [];
  const recorded: string[] = [];
  let running = 0;
  let most = 0;
  let authAsked = 0;
  const fs = {
    writeAtomic: (p: string) => {
      calls.push(`write ${p}`);
      return Promise.resolve();
    },
  } as unknown as Fs;
  const systemctl: Systemctl = {
    show: (units) =>
      Promise.resolve(
        new Map(units.map((u): [string, UnitState] => [u, {
          load: "loaded",
          active: "active",
          sub: "running",
        }])),
      ),
    daemonReload: () => {
      calls.push("daemon-reload");
      return Promise.resolve();
    },
    resetFailed: () => Promise.resolve(),
    start: (u) => {
      calls.push(`start ${u.join(" ")}`);
      return Promise.resolve();
    },
    restart: (u) => {
      calls.push(`restart ${u.join(" ")}`);
      return Promise.resolve();
    },
    stop: (u) => {
      calls.push(`stop ${u.join(" ")}`);
      return Promise.resolve();
    },
  };
  const pulls: PullSettings = {
    images: {
      imageId: (ref) => {
        calls.push(`exists? ${ref}`);
        return Promise.resolve(opts.present?.includes(ref) ? "f".repeat(64) : undefined);
      },
      async pull(ref, timeoutMs, authFile) {
        calls.push(`pull ${ref} ${timeoutMs} ${authFile ?? "-"}`);
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        const refused = opts.refuse?.[ref];
        if (refused !== undefined) {
          throw new HoistError("command-failed", `cannot pull ${ref}: ${refused}`, "Check it");
        }
      },
    },
    authFile: () => {
      authAsked++;
      return opts.authFails
        ? Promise.reject(new HoistError("config-invalid", "/etc/hoist/t is empty", "Fill it"))
        : Promise.resolve("/var/lib/hoist/auth.json");
    },
    timeoutMs: 1000,
    parallel: 2,
    onPulled: (ref, services) => {
      recorded.push(`${ref} for ${services.join(", ")}`);
      return Promise.resolve();
    },
  };
  const deps: ApplyDeps = {
    fs,
    systemctl,
    scripts: { run: () => Promise.resolve({ code: 0, output: "" }) },
    sleep: () => Promise.resolve(),
    clock: () => new Date(NOW),
    pull: pulls,
  };
  return { calls, recorded, deps, most: () => most, authAsked: () => authAsked };
}

const OPTS = { quadletDir: "/q", now: NOW, loadTimeoutMs: 1000 };

const THREE = plan([
  pull("api", ["ghcr.io/acme/api:2", "always"], ["ghcr.io/acme/shared:1", "missing"]),
  pull("web", ["ghcr.io/acme/shared:1", "missing"], ["ghcr.io/acme/web:2", "missing"]),
  pull("db", ["ghcr.io/acme/db:16", "missing"]),
  write("api"),
  write("web"),
  write("db"),
  { kind: "daemon-reload", waitFor: [], code: "units-changed", reason: "unit files changed" },
  restart("api"),
  restart("web"),
  restart("db"),
]);

Deno.test("applyPlan() pulls each distinct image once, two at a time, before any write", async () => {
  const h = host({ present: ["ghcr.io/acme/shared:1"] });
  const r = await applyPlan(THREE, h.deps, OPTS);
  assert.equal(r.failed, false, JSON.stringify(r.actions));
  const pulls = h.calls.filter((c) => c.startsWith("pull ")).sort();
  assert.deepEqual(pulls, [
    "pull ghcr.io/acme/api:2 1000 /var/lib/hoist/auth.json",
    "pull ghcr.io/acme/db:16 1000 /var/lib/hoist/auth.json",
    "pull ghcr.io/acme/web:2 1000 /var/lib/hoist/auth.json",
  ]);
  // shared:1 is in local storage: asked once, not pulled; api:2 (always) is never asked
  assert.deepEqual(h.calls.filter((c) => c.startsWith("exists? ")).sort(), [
    "exists? ghcr.io/acme/db:16",
    "exists? ghcr.io/acme/shared:1",
    "exists? ghcr.io/acme/web:2",
  ]);
  assert.equal(h.most(), 2);
  assert.equal(h.authAsked(), 1);
  // hoist's record of what it pulled (for pruning): only real pulls, with the services wanting them
  assert.deepEqual(h.recorded.sort(), [
    "ghcr.io/acme/api:2 for api",
    "ghcr.io/acme/db:16 for db",
    "ghcr.io/acme/web:2 for web",
  ]);
  const firstWrite = h.calls.findIndex((c) => c.startsWith("write "));
  assert.ok(h.calls.findLastIndex((c) => c.startsWith("pull ")) < firstWrite);
  assert.deepEqual(r.actions.filter((a) => a.kind === "pull").map((a) => a.result), [
    "ok",
    "ok",
    "ok",
  ]);
});

Deno.test("applyPlan() skips only the service whose pull the registry refused, with its message and hint", async () => {
  const h = host({ refuse: { "ghcr.io/acme/shared:1": "unauthorized: authentication required" } });
  const r = await applyPlan(THREE, h.deps, OPTS);
  assert.equal(r.failed, true);
  const by = (kind: string, service: string) =>
    r.actions.find((a) => a.kind === kind && a.service === service);
  // shared:1 belongs to api and web: both keep running what they run
  for (const s of ["api", "web"]) {
    assert.equal(by("pull", s)?.result, "failed");
    assert.equal(
      by("pull", s)?.error,
      "cannot pull ghcr.io/acme/shared:1: unauthorized: authentication required (Check it)",
    );
    assert.equal(by("write", s)?.result, "skipped");
    assert.equal(by("restart", s)?.result, "skipped");
  }
  assert.equal(by("restart", "db")?.result, "ok");
  assert.deepEqual(h.calls.filter((c) => /^(write|restart) /.test(c)), [
    "write /q/db.container",
    "restart db.service",
  ]);
  assert.equal(h.calls.filter((c) => c.startsWith("pull ghcr.io/acme/shared:1")).length, 1);
});

Deno.test("applyPlan() fails every pull, and only the services pulling, when the auth file cannot be written", async () => {
  const h = host({ authFails: true });
  const r = await applyPlan(
    plan([
      pull("web", ["ghcr.io/acme/web:2", "missing"]),
      write("web"),
      write("db"),
      { kind: "daemon-reload", waitFor: [], code: "units-changed", reason: "unit files changed" },
      restart("web"),
      restart("db"),
    ]),
    h.deps,
    OPTS,
  );
  const web = r.actions.find((a) => a.kind === "pull");
  assert.equal(web?.error, "/etc/hoist/t is empty (Fill it)");
  assert.deepEqual(h.calls.filter((c) => /^(write|restart|pull) /.test(c)), [
    "write /q/db.container",
    "restart db.service",
  ]);
});

Deno.test("applyPlan() without pull settings fails a pull action, saying so, and skips its service", async () => {
  const h = host({});
  const { pull: _, ...deps } = h.deps;
  const r = await applyPlan(
    plan([pull("web", ["ghcr.io/acme/web:2", "missing"]), write("web")]),
    deps,
    OPTS,
  );
  assert.match(r.actions[0]?.error ?? "", /no image puller/);
  assert.equal(r.actions[1]?.result, "skipped");
});
