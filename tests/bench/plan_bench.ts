/**
 * `deno bench --allow-all tests/bench/`: how plan time grows with the number of services.
 *
 * - pure, in memory: readDesired and reconcile on 50 and 500 generated services (first install
 *   and no-op);
 * - end to end: a no-op `hoist plan` and `hoist apply` through runCli on 50 and 500 services, with real
 *   git and the FAKE podman + systemd of tests/support/fake_host.ts.
 *
 * Benchmarks print figures; they assert nothing about time.
 *
 * @module
 */
import { readDesired, type ReadOptions } from "../../lib/desired/read_desired.ts";
import { type DesiredState, readyServices, type RepoTree } from "../../lib/desired/types.ts";
import { serviceUnitsOf } from "../../lib/reconcile/service_state.ts";
import type { ObservedState } from "../../lib/types/observed.ts";
import { reconcile } from "../../lib/reconcile/reconcile.ts";
import {
  EXAMPLE_HOST,
  generatedServices,
  makeHost,
  memTree,
  QUADLET_BIN,
  type TestHost,
} from "../integration/helpers.ts";

const OPTS: ReadOptions = {
  path: "gitops",
  host: EXAMPLE_HOST,
  prefix: "gitops-",
  mode: "user",
  stateDir: "/var/lib/hoist",
};
const RECONCILE = { keepCopies: 3 };

/** A host where nothing runs yet and hoist owns nothing. */
const EMPTY_HOST: ObservedState = {
  files: new Map(),
  copies: new Set(),
  containers: [],
  units: new Map(),
  inventory: { services: new Map(), units: new Map(), copies: new Map() },
  runtime: true,
  warnings: [],
};

/** The host after `desired` was applied: files on disk, containers running, inventory recorded. */
function appliedHost(desired: DesiredState): ObservedState {
  const s = readyServices(desired.services);
  return {
    files: new Map(s.flatMap((x) => x.units.map((u) => [u.path, u.content] as const))),
    copies: new Set([...s.map((x) => x.dir), ...desired.hosts.map((h) => h.dir)]),
    containers: s.map((x, i) => ({
      id: String(i),
      name: `systemd-gitops-${x.name}`,
      state: "running",
      service: x.name,
      hash: x.hash,
      unit: serviceUnitsOf(x, "all")[0]!,
      startedAt: 0,
    })),
    units: new Map(
      s.flatMap((x) =>
        x.units.map((u) => [u.serviceUnit, { load: "loaded", active: "active", sub: "running" }])
      ),
    ),
    inventory: {
      services: new Map(s.map((x) => [x.name, {
        name: x.name,
        hash: x.hash,
        inputs: x.inputs,
        serviceUnits: serviceUnitsOf(x, "all"),
        revision: desired.revision,
        changedAt: "2024-01-01T00:00:00.000Z",
      }])),
      units: new Map(
        s.flatMap((x) =>
          x.units.map((
            u,
          ) => [u.path, { path: u.path, service: x.name, serviceUnit: u.serviceUnit }])
        ),
      ),
      copies: new Map(s.map((x) => [x.name, [x.dir]])),
    },
    runtime: true,
    warnings: [],
  };
}

for (const n of [50, 500]) {
  const tree: RepoTree = memTree(generatedServices(n), "bench");
  const desired = readDesired(tree, OPTS);
  const errors = desired.services.flatMap((s) => s.problems).filter((p) => p.level === "error");
  if (desired.services.length !== n || errors.length > 0) {
    throw new Error(`generated repo is not valid: ${JSON.stringify(errors.slice(0, 3))}`);
  }
  const applied = appliedHost(desired);
  const noOp = reconcile(desired, applied, RECONCILE);
  if (noOp.actions.length !== 0 || noOp.inventory.length !== 0) {
    throw new Error(`the applied host is not a no-op: ${JSON.stringify(noOp.actions.slice(0, 3))}`);
  }

  Deno.bench({
    name: `readDesired, ${n} services`,
    group: `pure ${n}`,
    baseline: true,
    fn() {
      readDesired(tree, OPTS);
    },
  });
  Deno.bench({
    name: `readDesired + reconcile, first install, ${n} services`,
    group: `pure ${n}`,
    fn() {
      reconcile(readDesired(tree, OPTS), EMPTY_HOST, RECONCILE);
    },
  });
  Deno.bench({
    name: `readDesired + reconcile, no-op, ${n} services`,
    group: `pure ${n}`,
    fn() {
      reconcile(readDesired(tree, OPTS), applied, RECONCILE);
    },
  });
}

// End to end through runCli: a temp repository and host per size, applied once before timing.
const hosts = new Map<number, TestHost>();
if (QUADLET_BIN !== undefined) {
  for (const n of [50, 500]) {
    const dir = await Deno.makeTempDir({ prefix: "hoist-bench-" });
    globalThis.addEventListener("unload", () => {
      Deno.removeSync(dir, { recursive: true });
    });
    const host = await makeHost(dir, generatedServices(n));
    const first = await host.cli("apply");
    if (first.code !== 0) throw new Error(`first apply failed:\n${first.out}\n${first.err}`);
    hosts.set(n, host);
  }
} else {
  console.log("quadlet generator not found: skipping the runCli benchmarks");
}

for (const n of [50, 500]) {
  for (const cmd of ["plan", "apply"]) {
    Deno.bench({
      name: `hoist ${cmd}, no-op, ${n} services (real git, fake podman/systemd)`,
      group: `cli ${n}`,
      ignore: !hosts.has(n),
      async fn() {
        const r = await hosts.get(n)!.cli(cmd);
        if (r.code !== 0) throw new Error(`hoist ${cmd} exited ${r.code}:\n${r.err}`);
      },
    });
  }
}
