import assert from "node:assert/strict";
import { holdBack } from "../../lib/health/breaker.ts";
import { rollbackLine, rollbackTarget } from "../../lib/health/rollback_target.ts";
import type { HealthyRevision } from "../../lib/health/types.ts";
import type { Action, Plan } from "../../lib/reconcile/types.ts";

const write = (service: string): Action => ({
  kind: "write",
  service,
  unit: `${service}.container`,
  content: "",
  previous: null,
  serviceUnit: `${service}.service`,
  code: "content-changed",
  reason: "content changed",
});
const reload: Action = { kind: "daemon-reload", waitFor: [], code: "units-changed", reason: "" };
const restart = (service: string): Action => ({
  kind: "restart",
  service,
  units: [`${service}.service`],
  code: "content-changed",
  reason: "content changed",
});
const change = (service: string, hash: string) => ({
  service,
  record: { hash, inputs: {}, serviceUnits: [`${service}.service`], units: [] },
});
const plan = (services: [string, string][]): Plan => ({
  revision: "r",
  host: "h",
  actions: [...services.map(([s]) => write(s)), reload, ...services.map(([s]) => restart(s))],
  consequences: [],
  inventory: services.map(([s, h]) => change(s, h)),
  problems: [],
  blocked: false,
});
const FAILED = [{
  service: "web",
  hash: "bad0000000001",
  at: "2026-12-01T10:00:00Z",
  reason: "http 503 after 3 tries",
}];

Deno.test({
  name: "holdBack() keeps a service whose desired hash failed health, unless retried",
  permissions: "none",
  fn() {
    const table: {
      name: string;
      services: [string, string][];
      retry: string[];
      kinds: string[];
      held: string[];
    }[] = [
      {
        name: "the failed hash is held back, with the reload it alone needed",
        services: [["web", "bad0000000001"]],
        retry: [],
        kinds: [],
        held: ["web"],
      },
      {
        name: "the others of the run go on",
        services: [["db", "good"], ["web", "bad0000000001"]],
        retry: [],
        kinds: ["write db", "daemon-reload", "restart db"],
        held: ["web"],
      },
      {
        name: "a new hash (a fix commit) is tried",
        services: [["web", "fixed"]],
        retry: [],
        kinds: ["write web", "daemon-reload", "restart web"],
        held: [],
      },
      {
        name: "--retry-failed web tries the failed hash once more",
        services: [["web", "bad0000000001"]],
        retry: ["web"],
        kinds: ["write web", "daemon-reload", "restart web"],
        held: [],
      },
    ];
    for (const t of table) {
      const out = holdBack(plan(t.services), FAILED, t.retry);
      assert.deepEqual(
        out.plan.actions.map((a) => "service" in a ? `${a.kind} ${a.service}` : a.kind),
        t.kinds,
        t.name,
      );
      assert.deepEqual(out.held.map((h) => h.service), t.held, t.name);
      assert.deepEqual(
        out.plan.inventory.map((c) => c.service).includes("web"),
        t.held.length === 0,
        t.name,
      );
    }
    const { plan: held } = holdBack(plan([["web", "bad0000000001"]]), FAILED, []);
    assert.deepEqual(held.problems.map((p) => [p.level, p.message, p.hint]), [[
      "warning",
      "web: held back: hash bad000000000 failed health at 2026-12-01T10:00:00Z (http 503 after 3 tries)",
      "Fix it in a new commit or run `hoist apply --retry-failed web`",
    ]]);
  },
});

const rev = (hash: string, at: string, dir?: string): HealthyRevision => ({
  service: "web",
  hash,
  revision: `rev-${hash}`,
  at,
  units: [],
  inputs: {},
  serviceUnits: ["web.service"],
  ...(dir === undefined ? {} : { dir }),
});

Deno.test({
  name:
    "rollbackTarget() picks the newest healthy revision that is not the failed one and still has its copy",
  permissions: "none",
  fn() {
    const a = rev("aaa", "2026-12-01T08:00:00Z", "/s/web/aaa");
    const b = rev("bbb", "2026-12-01T09:00:00Z", "/s/web/bbb");
    const c = rev("ccc", "2026-12-01T10:00:00Z");
    const other = { ...rev("zzz", "2026-12-01T11:00:00Z"), service: "db" };
    const table: {
      name: string;
      failed: string;
      healthy: HealthyRevision[];
      earlier: { service: string; hash: string; at: string; reason: string }[];
      gone: string[];
      want: string | undefined;
    }[] = [
      {
        name: "the newest other one",
        failed: "new",
        healthy: [a, b, other],
        earlier: [],
        gone: [],
        want: "bbb",
      },
      {
        name: "not the failed hash itself (it passed once)",
        failed: "bbb",
        healthy: [a, b],
        earlier: [],
        gone: [],
        want: "aaa",
      },
      {
        name: "not one whose copy was pruned",
        failed: "new",
        healthy: [a, b],
        earlier: [],
        gone: ["/s/web/bbb"],
        want: "aaa",
      },
      {
        name: "a revision without files needs no copy",
        failed: "new",
        healthy: [a, c],
        earlier: [],
        gone: ["/s/web/aaa"],
        want: "ccc",
      },
      {
        name: "not one that failed since",
        failed: "new",
        healthy: [a, b],
        earlier: [{ service: "web", hash: "bbb", at: "x", reason: "r" }],
        gone: [],
        want: "aaa",
      },
      {
        name: "none left",
        failed: "new",
        healthy: [other],
        earlier: [],
        gone: [],
        want: undefined,
      },
    ];
    for (const t of table) {
      const got = rollbackTarget("web", t.failed, t.healthy, t.earlier, (d) => !t.gone.includes(d));
      assert.equal(got?.hash, t.want, t.name);
    }
    assert.equal(
      rollbackLine("web", "3f2a00001111", "9c1d00002222", "http 503 after 3 tries"),
      "web: rolled back 3f2a0000… → 9c1d0000… (http 503 after 3 tries)",
    );
    assert.match(
      rollbackLine("web", "3f2a00001111", undefined, "x"),
      /no healthy revision .*: down$/,
    );
  },
});
