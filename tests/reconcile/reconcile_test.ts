/**
 * reconcile(): table-driven over scenarios. Each scenario reads a desired state from a small
 * in-memory repository, builds the host by hand, and lists the plan it expects one line per action
 * (hashes shown as `service@revision`).
 *
 * Desired states are read when the module loads (the YAML parser peeks at environment variables);
 * every reconcile() call runs with `permissions: PURE`.
 */
import assert from "node:assert/strict";
import { problem } from "../../lib/errors.ts";
import type { ReconcileOptions } from "../../lib/reconcile/reconcile.ts";
import { changeCount, type Plan } from "../../lib/reconcile/types.ts";
import type { DesiredState } from "../../lib/desired/types.ts";
import {
  anyService,
  cleanDesired,
  configYml,
  deployed,
  desiredFrom,
  emptyHost,
  type FakeObserved,
  indexOf,
  manifest,
  plan,
  planLines,
  reversedMaps,
  STATE,
  svc,
  unitState,
} from "./helpers.ts";
import { PURE } from "../support/pure.ts";

// ---------------------------------------------------------------------------------------------
// Repositories

/** a requires b; b mounts its config file from `${SERVICE_DIR}`. */
function repo(over: Record<string, string | undefined> = {}): Record<string, string> {
  const files: Record<string, string | undefined> = {
    "config.yml": configYml(["a", "b"]),
    "a/manifest.yml": manifest("docker.io/library/a:1", { requires: ["gitops-b.service"] }),
    "b/manifest.yml": manifest("docker.io/library/b:1", {
      more: ["  Volume: ${SERVICE_DIR}/b.conf:/etc/b.conf:z\n"],
    }),
    "b/b.conf": "listen 8080\n",
    ...over,
  };
  return Object.fromEntries(
    Object.entries(files).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

const V1 = cleanDesired(repo(), "rev1");
/** b's config file edited. */
const V2 = cleanDesired(repo({ "b/b.conf": "listen 9090\n" }), "rev2");
/** a's manifest gains a comment and quotes: it renders the same unit. */
const V1_COMMENTED = cleanDesired(
  repo({
    "a/manifest.yml": `# a depends on b\nUnit:\n  Requires: [gitops-b.service]\n` +
      `Container:\n  Image: "docker.io/library/a:1" # pinned\n`,
  }),
  "rev2",
);
/** config.yml with pre and post scripts, and a helper file next to it (the host copy). */
const V1_SCRIPTED = cleanDesired(
  repo({
    "config.yml": configYml(
      ["a", "b"],
      "pre:\n  script: mkdir -p /srv/b\npost:\n  script: echo done\n",
    ),
    "setup.sh": "mkdir -p /srv/a\n",
  }),
  "rev1",
);
/** b dropped from config.yml (its folder stays in the repository). */
const V_NO_B = cleanDesired(repo({ "config.yml": configYml(["a"]) }), "rev2");
/** config.yml lists no service at all. */
const V_NONE = cleanDesired(repo({ "config.yml": "services:\n" }), "rev2");
/** b's manifest no longer parses. */
const V_B_BROKEN = desiredFrom(
  repo({ "b/manifest.yml": "Container:\n  Image: [unclosed\n", "b/b.conf": "listen 9090\n" }),
  "rev2",
);
/** config.yml itself is broken. */
const V_CONFIG_BROKEN = desiredFrom(repo({ "config.yml": "services:\n  a: {}\nservces: {}\n" }));

const RAW_WEB = "[Container]\nImage=docker.io/library/nginx:1.27\n";
const RAW_DB = "[Container]\nImage=docker.io/library/postgres:16\n";
/** Service w made of two raw quadlet files, then without db.container. */
const W1 = cleanDesired({
  "config.yml": configYml(["w"]),
  "w/web.container": RAW_WEB,
  "w/db.container": RAW_DB,
}, "rev1");
const W2 = cleanDesired({ "config.yml": configYml(["w"]), "w/web.container": RAW_WEB }, "rev2");

/** Service p: a pod and a container in it, both raw quadlet files. */
const POD = cleanDesired({
  "config.yml": configYml(["p"]),
  "p/app.pod": "[Pod]\nPublishPort=8080:80\n",
  "p/web.container": "[Container]\nImage=docker.io/library/nginx:1.27\nPod=app.pod\n",
});

/** a requires b, and each ships a raw side container; then both side containers are dropped. */
function sides(withSides: boolean): Record<string, string> {
  const files: Record<string, string> = {
    "config.yml": configYml(["a", "b"]),
    "a/manifest.yml": manifest("docker.io/library/a:1", { requires: ["gitops-b.service"] }),
    "b/manifest.yml": manifest("docker.io/library/b:1"),
  };
  if (withSides) {
    files["a/a-side.container"] = "[Container]\nImage=docker.io/library/side:1\n";
    files["b/b-side.container"] = "[Container]\nImage=docker.io/library/side:1\n";
  }
  return files;
}
const S1 = cleanDesired(sides(true), "rev1");
const S2 = cleanDesired(sides(false), "rev2");

/** a and b require each other. */
const CYCLE = desiredFrom({
  "config.yml": configYml(["a", "b"]),
  "a/manifest.yml": manifest("docker.io/library/a:1", { requires: ["gitops-b.service"] }),
  "b/manifest.yml": manifest("docker.io/library/b:1", { requires: ["gitops-a.service"] }),
});

/** a's manifest gives the generated service its own name. */
const V1_SERVICE_NAME = cleanDesired(
  repo({
    "a/manifest.yml": manifest("docker.io/library/a:1", {
      requires: ["gitops-b.service"],
      more: ["  ServiceName: web-a\n"],
    }),
  }),
  "rev2",
);

// ---------------------------------------------------------------------------------------------
// Hosts

/** Applies `f` to `o` and returns it, to tweak a derived host in place. */
function edit(o: FakeObserved, f: (o: FakeObserved) => void): FakeObserved {
  f(o);
  return o;
}

const dirB1 = svc(V1, "b").dir;
const dirB2 = svc(V2, "b").dir;
const oldCopy = (n: number) => `${STATE}/services/b/old${n}`;

/** b's copies on disk and in the inventory, newest first. */
function withCopiesOfB(o: FakeObserved, dirs: readonly string[]): FakeObserved {
  return edit(o, (h) => {
    h.inventory.copies.set("b", [...dirs]);
    for (const d of dirs) h.copies.add(d);
  });
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Scenario {
  /** Behaviour, after "reconcile() ". */
  readonly name: string;
  readonly desired: DesiredState;
  readonly observed: FakeObserved;
  readonly options?: ReconcileOptions;
  /** Desired states whose hashes are named in `actions` (default: `desired`). */
  readonly names?: readonly DesiredState[];
  /** The plan, one line per action. */
  readonly actions: readonly string[];
  readonly check?: (plan: Plan) => void;
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: "installs on an empty host: copy, write, one daemon-reload, b started before a",
    desired: V1,
    observed: emptyHost(),
    actions: [
      `copy b ${STATE}/services/b/b@rev1 (files for b@rev1)`,
      "write gitops-a.container (new unit)",
      "write gitops-b.container (new unit)",
      "daemon-reload, wait for gitops-b.service gitops-a.service",
      "start b: gitops-b.service (new service (gitops-b.service not loaded))",
      "start a: gitops-a.service (new service (gitops-a.service not loaded))",
    ],
    check(p) {
      assert.equal(p.blocked, false);
      assert.deepEqual(p.problems, []);
      assert.equal(p.revision, "rev1");
      assert.equal(p.host, "h1");
      const writeA = p.actions.find((x) => x.kind === "write" && x.unit === "gitops-a.container");
      assert.ok(writeA?.kind === "write");
      assert.equal(writeA.content, svc(V1, "a").units[0]!.content);
      assert.equal(writeA.previous, null);
      assert.equal(writeA.serviceUnit, "gitops-a.service");
      const copyB = p.actions.find((x) => x.kind === "copy");
      assert.ok(copyB?.kind === "copy");
      assert.deepEqual(copyB.files, svc(V1, "b").files);
      assert.deepEqual(p.inventory, [
        {
          service: "a",
          record: {
            hash: svc(V1, "a").hash,
            inputs: svc(V1, "a").inputs,
            serviceUnits: ["gitops-a.service"],
            units: [{ path: "gitops-a.container", serviceUnit: "gitops-a.service" }],
          },
        },
        {
          service: "b",
          record: {
            hash: svc(V1, "b").hash,
            inputs: svc(V1, "b").inputs,
            serviceUnits: ["gitops-b.service"],
            units: [{ path: "gitops-b.container", serviceUnit: "gitops-b.service" }],
          },
        },
      ]);
    },
  },
  {
    name: "plans nothing when everything is deployed and running",
    desired: V1,
    observed: deployed(V1),
    actions: [],
    check(p) {
      assert.deepEqual(p.inventory, []);
      assert.deepEqual(p.problems, []);
      assert.equal(changeCount(p), 0);
    },
  },
  {
    name: "runs only config.yml's pre and post scripts, in the host copy, when nothing changed",
    desired: V1_SCRIPTED,
    observed: deployed(V1_SCRIPTED),
    actions: [
      `run-script pre in ${STATE}/host/host@rev1`,
      `run-script post in ${STATE}/host/host@rev1`,
    ],
    check(p) {
      assert.equal(changeCount(p), 0);
      assert.deepEqual(p.inventory, []);
      const [pre, post] = p.actions;
      assert.ok(pre?.kind === "run-script" && post?.kind === "run-script");
      assert.equal(pre.script, "mkdir -p /srv/b");
      assert.equal(post.script, "echo done");
    },
  },
  {
    name: "copies the host folder and runs pre first and post last on a first install",
    desired: V1_SCRIPTED,
    observed: emptyHost(),
    actions: [
      `copy host ${STATE}/host/host@rev1 (host folder for scripts)`,
      `run-script pre in ${STATE}/host/host@rev1`,
      `copy b ${STATE}/services/b/b@rev1 (files for b@rev1)`,
      "write gitops-a.container (new unit)",
      "write gitops-b.container (new unit)",
      "daemon-reload, wait for gitops-b.service gitops-a.service",
      "start b: gitops-b.service (new service (gitops-b.service not loaded))",
      "start a: gitops-a.service (new service (gitops-a.service not loaded))",
      `run-script post in ${STATE}/host/host@rev1`,
    ],
  },
  {
    name: "rewrites and restarts only the service whose config file changed, naming the file",
    desired: V2,
    observed: deployed(V1),
    names: [V1, V2],
    actions: [
      `copy b ${STATE}/services/b/b@rev2 (files for b@rev2)`,
      "write gitops-b.container (content changed)",
      "daemon-reload, wait for gitops-b.service",
      "restart b: gitops-b.service (content changed: b.conf)",
    ],
    check(p) {
      assert.equal(svc(V2, "a").hash, svc(V1, "a").hash, "a is unchanged");
      const w = p.actions.find((x) => x.kind === "write");
      assert.ok(w?.kind === "write");
      assert.equal(w.previous, svc(V1, "b").units[0]!.content);
      assert.deepEqual(p.inventory.map((c) => [c.service, c.record?.hash]), [
        ["b", svc(V2, "b").hash],
      ]);
    },
  },
  {
    name: "plans nothing for a comment-only manifest change that renders the same unit",
    desired: V1_COMMENTED,
    observed: deployed(V1),
    actions: [],
    check(p) {
      assert.equal(svc(V1_COMMENTED, "a").hash, svc(V1, "a").hash);
      assert.deepEqual(p.inventory, []);
    },
  },
  {
    name: "rewrites a unit file edited on disk when the hash did not change",
    desired: V1,
    observed: edit(deployed(V1), (o) => {
      o.files.set("gitops-a.container", `${o.files.get("gitops-a.container")}Environment=X=1\n`);
    }),
    actions: [
      "write gitops-a.container (file on disk differs)",
      "daemon-reload, wait for gitops-a.service",
      "restart a: gitops-a.service (unit file on disk differed from the repository)",
    ],
    check(p) {
      assert.deepEqual(p.inventory.map((c) => c.service), ["a"]);
    },
  },
  {
    name: "restarts a service whose container runs an older hash though its file is current",
    desired: V1,
    observed: edit(deployed(V1), (o) => {
      o.containers = o.containers.map((c) =>
        c.service === "a" ? { ...c, hash: "0123456789abcdef" } : c
      );
    }),
    actions: ["restart a: gitops-a.service (running 0123456789abcdef, want a@rev1)"],
    check(p) {
      assert.deepEqual(p.inventory, []);
    },
  },
  {
    name: "restarts a service whose running container has no hash label (started by hand)",
    desired: V1,
    observed: edit(deployed(V1), (o) => {
      o.containers = o.containers.map((c) => c.service === "a" ? { ...c, hash: "" } : c);
    }),
    actions: ["restart a: gitops-a.service (running none, want a@rev1)"],
  },
  {
    name: "starts a failed service, naming its state",
    desired: V1,
    observed: edit(deployed(V1), (o) => {
      o.units.set("gitops-b.service", unitState("failed"));
      o.containers = o.containers.map((c) => c.service === "b" ? { ...c, state: "exited" } : c);
    }),
    actions: ["start b: gitops-b.service (not running (gitops-b.service failed))"],
  },
  {
    name: "starts a stopped service, naming its state",
    desired: V1,
    observed: edit(deployed(V1), (o) => {
      o.units.set("gitops-a.service", unitState("inactive"));
      o.containers = o.containers.filter((c) => c.service !== "a");
    }),
    actions: ["start a: gitops-a.service (not running (gitops-a.service inactive))"],
  },
  {
    name: "starts, rather than restarts, a changed service that is down",
    desired: V2,
    observed: edit(deployed(V1), (o) => {
      o.units.set("gitops-b.service", unitState("failed"));
      o.containers = o.containers.filter((c) => c.service !== "b");
    }),
    names: [V1, V2],
    actions: [
      `copy b ${STATE}/services/b/b@rev2 (files for b@rev2)`,
      "write gitops-b.container (content changed)",
      "daemon-reload, wait for gitops-b.service",
      "start b: gitops-b.service (not running (gitops-b.service failed))",
    ],
  },
  {
    name: "starts a pod through its pod unit, not the containers in it",
    desired: POD,
    observed: emptyHost(),
    actions: [
      "write gitops-p/app.pod (new unit)",
      "write gitops-p/web.container (new unit)",
      "daemon-reload, wait for app-pod.service",
      "start p: app-pod.service (new service (app-pod.service not loaded))",
    ],
    check(p) {
      const rec = p.inventory[0]?.record;
      assert.deepEqual(rec?.serviceUnits, ["app-pod.service"]);
      assert.deepEqual(rec?.units, [
        { path: "gitops-p/app.pod", serviceUnit: "app-pod.service" },
        { path: "gitops-p/web.container", serviceUnit: "web.service" },
      ]);
    },
  },
  {
    name: "restarts a pod whose container runs an older hash",
    desired: POD,
    observed: edit(deployed(POD), (o) => {
      o.containers = o.containers.map((c) => ({ ...c, hash: "0123456789abcdef" }));
    }),
    actions: ["restart p: app-pod.service (running 0123456789abcdef, want p@rev1)"],
  },
  {
    name:
      "stops, then removes and prunes a service dropped from config.yml, touching nothing foreign",
    desired: V_NO_B,
    observed: edit(deployed(V1), (o) => {
      // Not in the inventory: a file, a unit and a container hoist did not create.
      o.files.set("gitops-c.container", "[Container]\nImage=docker.io/library/c:1\n");
      o.units.set("gitops-c.service", unitState("active"));
      o.units.set("b-extra.service", unitState("active"));
      o.containers.push(
        {
          id: "c1",
          name: "systemd-gitops-c",
          state: "running",
          service: "c",
          hash: "",
          unit: "gitops-c.service",
          startedAt: 1,
        },
        {
          id: "b2",
          name: "b-extra",
          state: "running",
          service: "b",
          hash: "",
          unit: "b-extra.service",
          startedAt: 1,
        },
      );
    }),
    names: [V1, V_NO_B],
    actions: [
      "stop b: gitops-b.service (removed from config.yml)",
      "remove gitops-b.container (removed from config.yml)",
      "daemon-reload, wait for nothing",
      `prune b ${STATE}/services/b/b@rev1 ${STATE}/services/b (removed from config.yml)`,
    ],
    check(p) {
      assert.deepEqual(p.inventory, [{ service: "b", record: null }]);
      const rm = p.actions.find((x) => x.kind === "remove");
      assert.ok(rm?.kind === "remove");
      assert.equal(rm.previous, svc(V1, "b").units[0]!.content);
      const touched = JSON.stringify(p.actions);
      assert.doesNotMatch(touched, /gitops-c|b-extra/);
    },
  },
  {
    name: "removes a dropped service's file without a stop when its unit is not running",
    desired: V_NO_B,
    observed: edit(deployed(V1), (o) => {
      o.units.set("gitops-b.service", unitState("inactive"));
    }),
    names: [V1],
    actions: [
      "remove gitops-b.container (removed from config.yml)",
      "daemon-reload, wait for nothing",
      `prune b ${STATE}/services/b/b@rev1 ${STATE}/services/b (removed from config.yml)`,
    ],
  },
  {
    name: "stops and removes a raw unit dropped from a service folder, restarts the rest",
    desired: W2,
    observed: deployed(W1),
    names: [W1, W2],
    actions: [
      "stop w: db.service (unit removed from the service folder)",
      "remove gitops-w/db.container (unit removed from the service folder)",
      "write gitops-w/web.container (content changed)",
      "daemon-reload, wait for web.service",
      "restart w: web.service (content changed: db.container)",
    ],
    check(p) {
      assert.deepEqual(p.inventory, [{
        service: "w",
        record: {
          hash: svc(W2, "w").hash,
          inputs: svc(W2, "w").inputs,
          serviceUnits: ["web.service"],
          units: [{ path: "gitops-w/web.container", serviceUnit: "web.service" }],
        },
      }]);
    },
  },
  {
    name: "leaves a service with errors exactly as it is, even though it is in the inventory",
    desired: V_B_BROKEN,
    observed: edit(deployed(V1), (o) => {
      o.units.set("gitops-b.service", unitState("failed"));
      o.containers = o.containers.filter((c) => c.service !== "b");
    }),
    actions: [],
    check(p) {
      assert.equal(p.blocked, false);
      assert.deepEqual(p.inventory, []);
      assert.ok(p.problems.some((x) => x.level === "error" && x.service === "b"));
      assert.deepEqual(p.problems, anyService(V_B_BROKEN, "b").problems);
    },
  },
  {
    name: "refuses to overwrite a unit file hoist did not create, and installs the rest",
    desired: V1,
    observed: edit(emptyHost(), (o) => {
      o.files.set("gitops-a.container", "[Container]\nImage=docker.io/library/mine:1\n");
    }),
    actions: [
      `copy b ${STATE}/services/b/b@rev1 (files for b@rev1)`,
      "write gitops-b.container (new unit)",
      "daemon-reload, wait for gitops-b.service",
      "start b: gitops-b.service (new service (gitops-b.service not loaded))",
    ],
    check(p) {
      assert.equal(p.blocked, false);
      assert.deepEqual(p.problems, [
        problem("error", "refusing to overwrite a file hoist did not create", {
          file: "gitops-a.container",
          service: "a",
          hint: "Move the existing file out of the quadlet folder, or rename the service",
        }),
      ]);
      assert.deepEqual(p.inventory.map((c) => c.service), ["b"]);
    },
  },
  {
    name: "adopts a unit file labelled for the same service (left by homelab-gitops)",
    desired: V1,
    observed: edit(deployed(V1), (o) => {
      o.inventory.units.delete("gitops-a.container");
      o.inventory.services.delete("a");
      o.files.set(
        "gitops-a.container",
        "[Container]\nLabel=gitops-service=a\nImage=docker.io/library/a:0\n",
      );
      o.containers = o.containers.map((c) => c.service === "a" ? { ...c, hash: "legacy" } : c);
    }),
    actions: [
      "write gitops-a.container (content changed)",
      "daemon-reload, wait for gitops-a.service",
      "restart a: gitops-a.service (running legacy, want a@rev1)",
    ],
    check(p) {
      assert.deepEqual(p.problems, []);
      assert.deepEqual(p.inventory.map((c) => c.service), ["a"]);
    },
  },
  {
    name: "records a running service missing from the inventory without touching it",
    desired: V1,
    observed: edit(deployed(V1), (o) => {
      o.inventory.services.delete("a");
    }),
    actions: [],
    check(p) {
      assert.deepEqual(p.inventory.map((c) => [c.service, c.record?.hash]), [
        ["a", svc(V1, "a").hash],
      ]);
    },
  },
  {
    name: "blocks the whole plan when config.yml is broken, stopping nothing",
    desired: V_CONFIG_BROKEN,
    observed: deployed(V1),
    actions: [],
    check(p) {
      assert.equal(p.blocked, true);
      assert.deepEqual(p.inventory, []);
      assert.ok(p.problems.some((x) => x.level === "error" && x.file === "gitops/h1/config.yml"));
    },
  },
  {
    name: "shows a first install, with the warning, where podman and systemd are absent",
    desired: V1,
    observed: edit(emptyHost(), (o) => {
      o.runtime = false;
      o.warnings = [problem("warning", "podman and systemd not available here")];
    }),
    actions: [
      `copy b ${STATE}/services/b/b@rev1 (files for b@rev1)`,
      "write gitops-a.container (new unit)",
      "write gitops-b.container (new unit)",
      "daemon-reload, wait for gitops-b.service gitops-a.service",
      "start b: gitops-b.service (new service (not deployed yet))",
      "start a: gitops-a.service (new service (not deployed yet))",
    ],
    check(p) {
      assert.equal(p.blocked, false);
      assert.deepEqual(p.problems, [problem("warning", "podman and systemd not available here")]);
    },
  },
  {
    name: "stops units in reverse dependency order and restarts in dependency order",
    desired: S2,
    observed: deployed(S1),
    names: [S1, S2],
    actions: [
      "stop a: a-side.service (unit removed from the service folder)",
      "stop b: b-side.service (unit removed from the service folder)",
      "remove gitops-a/a-side.container (unit removed from the service folder)",
      "remove gitops-b/b-side.container (unit removed from the service folder)",
      "write gitops-a.container (content changed)",
      "write gitops-b.container (content changed)",
      "daemon-reload, wait for gitops-b.service gitops-a.service",
      "restart b: gitops-b.service (content changed: b-side.container)",
      "restart a: gitops-a.service (content changed: a-side.container)",
    ],
  },
  {
    name: "warns about a dependency cycle and starts its members by name",
    desired: CYCLE,
    observed: emptyHost(),
    actions: [
      "write gitops-a.container (new unit)",
      "write gitops-b.container (new unit)",
      "daemon-reload, wait for gitops-a.service gitops-b.service",
      "start a: gitops-a.service (new service (gitops-a.service not loaded))",
      "start b: gitops-b.service (new service (gitops-b.service not loaded))",
    ],
    check(p) {
      assert.deepEqual(p.problems, [
        problem(
          "warning",
          "services depend on each other in a cycle: a, b; starting them by name",
        ),
      ]);
      assert.equal(p.blocked, false);
    },
  },
  // Prune: the current copy plus keepCopies others, newest first; only when the service changes.
  {
    name: "prunes copies beyond the current one and the 2 newest others",
    desired: V2,
    observed: withCopiesOfB(deployed(V1), [dirB1, oldCopy(1), oldCopy(2), oldCopy(3)]),
    options: { keepCopies: 2 },
    names: [V1, V2],
    actions: [
      `copy b ${STATE}/services/b/b@rev2 (files for b@rev2)`,
      "write gitops-b.container (content changed)",
      "daemon-reload, wait for gitops-b.service",
      "restart b: gitops-b.service (content changed: b.conf)",
      `prune b ${oldCopy(2)} ${oldCopy(3)} (keep the last 2)`,
    ],
  },
  {
    name: "prunes every other copy with keepCopies 0",
    desired: V2,
    observed: withCopiesOfB(deployed(V1), [dirB1, oldCopy(1)]),
    options: { keepCopies: 0 },
    names: [V1, V2],
    actions: [
      `copy b ${STATE}/services/b/b@rev2 (files for b@rev2)`,
      "write gitops-b.container (content changed)",
      "daemon-reload, wait for gitops-b.service",
      "restart b: gitops-b.service (content changed: b.conf)",
      `prune b ${STATE}/services/b/b@rev1 ${oldCopy(1)} (keep the last 0)`,
    ],
  },
  {
    name: "prunes nothing while the copies fit in keepCopies",
    desired: V2,
    observed: withCopiesOfB(deployed(V1), [dirB1, oldCopy(1), oldCopy(2)]),
    options: { keepCopies: 3 },
    names: [V1, V2],
    actions: [
      `copy b ${STATE}/services/b/b@rev2 (files for b@rev2)`,
      "write gitops-b.container (content changed)",
      "daemon-reload, wait for gitops-b.service",
      "restart b: gitops-b.service (content changed: b.conf)",
    ],
  },
  {
    name: "reuses the existing copy on a rollback and does not count it among the kept others",
    desired: V1,
    observed: withCopiesOfB(deployed(V2), [dirB2, oldCopy(1), dirB1, oldCopy(2)]),
    options: { keepCopies: 1 },
    names: [V1, V2],
    actions: [
      "write gitops-b.container (content changed)",
      "daemon-reload, wait for gitops-b.service",
      "restart b: gitops-b.service (content changed: b.conf)",
      `prune b ${oldCopy(1)} ${oldCopy(2)} (keep the last 1)`,
    ],
  },
  {
    name: "prunes nothing when the service did not change",
    desired: V2,
    observed: withCopiesOfB(deployed(V2), [dirB2, oldCopy(1), oldCopy(2), oldCopy(3)]),
    options: { keepCopies: 0 },
    actions: [],
  },
];

for (const s of SCENARIOS) {
  Deno.test({
    name: `reconcile() ${s.name}`,
    permissions: PURE,
    fn() {
      const before = structuredClone({ desired: s.desired, observed: s.observed });
      const p = plan(s.desired, s.observed, s.options);
      assert.deepEqual(planLines(p, ...(s.names ?? [s.desired])), s.actions);
      s.check?.(p);
      // Same inputs, same plan: the inputs are left as they were, and equal copies of them (no
      // shared objects) plan the same actions again.
      assert.deepEqual({ desired: s.desired, observed: s.observed }, before, "inputs unchanged");
      const again = plan(before.desired, before.observed, s.options);
      assert.deepEqual(planLines(again, ...(s.names ?? [s.desired])), s.actions, "same inputs");
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Order of stop, remove, reload and start

Deno.test({
  name: "reconcile() stops before removing, writes before the one reload, starts after it",
  permissions: PURE,
  fn() {
    for (const [desired, observed] of [[V_NO_B, deployed(V1)], [W2, deployed(W1)]] as const) {
      const p = plan(desired, observed);
      const reloads = p.actions.filter((a) => a.kind === "daemon-reload");
      assert.equal(reloads.length, 1, "one daemon-reload");
      const reload = indexOf(p, "daemon-reload", (a) => a.kind === "daemon-reload");
      const stop = indexOf(p, "stop", (a) => a.kind === "stop");
      const remove = indexOf(p, "remove", (a) => a.kind === "remove");
      assert.ok(stop < remove, "stop before remove");
      assert.ok(remove < reload, "remove before reload");
      p.actions.forEach((a, i) => {
        if (a.kind === "write") assert.ok(i < reload, "writes before reload");
        if (a.kind === "start" || a.kind === "restart") assert.ok(i > reload, "starts after");
      });
    }
  },
});

Deno.test({
  name:
    "reconcile() stops services dropped from config.yml in reverse dependency order (a requires b: a first)",
  permissions: PURE,
  fn() {
    const p = plan(V_NONE, deployed(V1));
    assert.deepEqual(
      p.actions.filter((a) => a.kind === "stop").map((a) => a.kind === "stop" && a.service),
      ["a", "b"],
    );
  },
});

Deno.test({
  name: "reconcile() stops the old generated unit when ServiceName= renames it",
  permissions: PURE,
  fn() {
    const p = plan(V1_SERVICE_NAME, deployed(V1));
    const stop = indexOf(
      p,
      "stop of gitops-a.service",
      (a) => a.kind === "stop" && a.units.includes("gitops-a.service"),
    );
    const reload = indexOf(p, "daemon-reload", (a) => a.kind === "daemon-reload");
    assert.ok(stop < reload);
    assert.ok(
      p.actions.some((a) => a.kind === "restart" && a.units.includes("web-a.service")) ||
        p.actions.some((a) => a.kind === "start" && a.units.includes("web-a.service")),
    );
  },
});

// ---------------------------------------------------------------------------------------------
// Determinism

/** V1 with config.yml listing b before a. */
const SWAPPED = cleanDesired(repo({ "config.yml": configYml(["b", "a"]) }), "rev1");

Deno.test({
  name: "reconcile() gives the same plan whatever order config.yml lists services in",
  permissions: PURE,
  fn() {
    assert.deepEqual(SWAPPED.services.map((s) => s.name), ["a", "b"]);
    for (const observed of [emptyHost(), deployed(V1), deployed(V2)]) {
      assert.deepEqual(plan(SWAPPED, observed), plan(V1, observed));
    }
  },
});

/** Scenarios whose hosts hold one removed service and one unit per change: order-free today. */
const ORDER_FREE = SCENARIOS.filter((s) => s.desired !== V_NONE);

for (const s of ORDER_FREE) {
  Deno.test({
    name: `reconcile() ignores Map insertion order: ${s.name}`,
    permissions: PURE,
    fn() {
      assert.deepEqual(
        plan(s.desired, reversedMaps(s.observed), s.options),
        plan(s.desired, s.observed, s.options),
      );
    },
  });
}

/** Two services removed, one of them with three units; all their units are running. */
const TWO_REMOVED_BEFORE = cleanDesired({
  "config.yml": configYml(["p", "q", "keep"]),
  "p/manifest.yml": manifest("docker.io/library/p:1"),
  "q/q1.container": RAW_WEB,
  "q/q2.container": RAW_DB,
  "q/q3.network": "[Network]\n",
  "keep/manifest.yml": manifest("docker.io/library/keep:1"),
});
const TWO_REMOVED_AFTER = cleanDesired({
  "config.yml": configYml(["keep"]),
  "keep/manifest.yml": manifest("docker.io/library/keep:1"),
}, "rev2");
function twoRemoved(): { desired: DesiredState; observed: FakeObserved } {
  return { desired: TWO_REMOVED_AFTER, observed: deployed(TWO_REMOVED_BEFORE) };
}

Deno.test({
  name: "reconcile() removes the units of a dropped service in path order",
  permissions: PURE,
  fn() {
    const { desired, observed } = twoRemoved();
    const removes = plan(desired, observed).actions.flatMap((a) =>
      a.kind === "remove" ? [a.unit] : []
    );
    assert.deepEqual(removes, [
      "gitops-p.container",
      "gitops-q/q1.container",
      "gitops-q/q2.container",
      "gitops-q/q3.network",
    ]);
  },
});

Deno.test({
  name: "reconcile() ignores Map insertion order when several services and units are removed",
  permissions: PURE,
  fn() {
    const { desired, observed } = twoRemoved();
    assert.deepEqual(plan(desired, reversedMaps(observed)), plan(desired, observed));
  },
});

Deno.test({
  name: "reconcile() ignores Map insertion order when every service is dropped",
  permissions: PURE,
  fn() {
    const observed = deployed(V1);
    assert.deepEqual(plan(V_NONE, reversedMaps(observed)), plan(V_NONE, observed));
  },
});
