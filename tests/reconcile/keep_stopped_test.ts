import assert from "node:assert/strict";
import { keepStopped, type RecordedStop } from "../../lib/reconcile/keep_stopped.ts";
import {
  cleanDesired,
  configYml,
  deployed,
  manifest,
  plan,
  planLines,
  svc,
  unitState,
} from "./helpers.ts";

const AT = "2026-12-02T09:00:00.000Z";
const WHO = "SHA256:abc (ci@gitlab)";
const v1 = cleanDesired({
  "config.yml": configYml(["db", "web"]),
  "web/manifest.yml": manifest("docker.io/library/nginx:1.27"),
  "db/manifest.yml": manifest("docker.io/library/postgres:17"),
});
const v2 = cleanDesired({
  "config.yml": configYml(["db", "web"]),
  "web/manifest.yml": manifest("docker.io/library/nginx:1.28"),
  "db/manifest.yml": manifest("docker.io/library/postgres:17"),
}, "rev2");
const stop = (service: string, hash: string): RecordedStop => ({
  service,
  hash,
  principal: WHO,
  at: AT,
});

/** v1 deployed, then web's unit stopped (and its container gone) through the remote API. */
function webStopped() {
  const o = deployed(v1);
  o.units.set("gitops-web.service", unitState("inactive"));
  o.containers = o.containers.filter((c) => c.service !== "web");
  return o;
}

Deno.test({
  name: "keepStopped() leaves a remotely stopped service stopped until its hash changes",
  permissions: "none",
  fn() {
    const table: {
      name: string;
      desired: typeof v1;
      stops: RecordedStop[];
      lines: string[];
      kept: string[];
      lifted: string[];
      warning?: string;
    }[] = [
      {
        name: "no stop recorded: the no-op run starts web again",
        desired: v1,
        stops: [],
        lines: ["start web: gitops-web.service (not running (gitops-web.service inactive))"],
        kept: [],
        lifted: [],
      },
      {
        name: "stopped at the desired hash: nothing is started, and the plan says who stopped it",
        desired: v1,
        stops: [stop("web", svc(v1, "web").hash)],
        lines: [],
        kept: ["web"],
        lifted: [],
        warning: `web: stopped by ${WHO} at ${AT}; left stopped`,
      },
      {
        name: "a commit changing web lifts the stop: written and started",
        desired: v2,
        stops: [stop("web", svc(v1, "web").hash)],
        lines: [
          "write gitops-web.container (content changed)",
          "daemon-reload, wait for gitops-web.service",
          "start web: gitops-web.service (not running (gitops-web.service inactive))",
        ],
        kept: [],
        lifted: ["web"],
      },
      {
        name: "a stop of a service no longer desired is lifted",
        desired: v1,
        stops: [stop("gone", "0123456789abcdef")],
        lines: ["start web: gitops-web.service (not running (gitops-web.service inactive))"],
        kept: [],
        lifted: ["gone"],
      },
    ];
    for (const t of table) {
      const got = keepStopped(plan(t.desired, webStopped()), t.desired, t.stops);
      assert.deepEqual(planLines(got.plan, v1, v2), t.lines, t.name);
      assert.deepEqual(got.kept.map((s) => s.service), t.kept, t.name);
      assert.deepEqual(got.lifted.map((s) => s.service), t.lifted, t.name);
      const warnings = got.plan.problems.filter((p) => p.message.includes("stopped by"));
      assert.deepEqual(warnings.map((p) => p.message), t.warning ? [t.warning] : [], t.name);
    }
  },
});

Deno.test({
  name: "keepStopped() keeps the writes of a stopped service and drops only its start and restart",
  permissions: "none",
  fn() {
    // the unit file on disk was edited by hand: hoist rewrites it, and would restart web
    const o = deployed(v1);
    o.files.set("gitops-web.container", "[Container]\nImage=docker.io/library/nginx:1.26\n");
    const before = planLines(plan(v1, o), v1);
    const got = keepStopped(plan(v1, o), v1, [stop("web", svc(v1, "web").hash)]);
    assert.ok(before.some((l) => l.startsWith("restart ")), before.join("\n"));
    assert.deepEqual(
      planLines(got.plan, v1),
      before.filter((l) => !l.startsWith("restart ") && !l.startsWith("start ")),
    );
    assert.ok(planLines(got.plan, v1).some((l) => l.startsWith("write ")));
  },
});

Deno.test({
  name:
    "keepStopped() drops a stopped service's image pull and scripts too, and no other service's",
  permissions: "none",
  fn() {
    // web's start comes with a pull and a pre script (as a plan with registry images and
    // [services.web] pre has them); db's pull and the host-wide script stay
    const o = webStopped();
    const base = plan(v1, o);
    const extra = [
      { kind: "pull", service: "web", images: [], code: "image", reason: "before it starts" },
      { kind: "pull", service: "db", images: [], code: "image", reason: "before it starts" },
      {
        kind: "run-script",
        phase: "pre",
        script: "pre.sh",
        cwd: "/x",
        service: "web",
        code: "script",
        reason: "pre",
      },
      {
        kind: "run-script",
        phase: "pre",
        script: "pre.sh",
        cwd: "/x",
        code: "script",
        reason: "host pre",
      },
    ] as unknown as typeof base.actions;
    const withExtra = { ...base, actions: [...extra, ...base.actions] };
    const got = keepStopped(withExtra, v1, [stop("web", svc(v1, "web").hash)]);
    const left = got.plan.actions.map((a) =>
      `${a.kind} ${"service" in a ? a.service ?? "-" : "-"}`
    );
    assert.deepEqual(left, ["pull db", "run-script -"]);
  },
});
