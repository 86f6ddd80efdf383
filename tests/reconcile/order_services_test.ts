import assert from "node:assert/strict";
import { orderServices } from "../../lib/reconcile/order_services.ts";
import { PURE } from "../support/pure.ts";

/** `{service: [dependencies]}` as the Map orderServices() takes. */
function deps(spec: Record<string, readonly string[]>): Map<string, readonly string[]> {
  return new Map(Object.entries(spec));
}

const CASES: readonly {
  readonly name: string;
  readonly deps: Record<string, readonly string[]>;
  readonly order: readonly string[];
  readonly cycle: readonly string[];
}[] = [
  { name: "returns nothing for no services", deps: {}, order: [], cycle: [] },
  {
    name: "orders independent services by name",
    deps: { c: [], a: [], b: [] },
    order: ["a", "b", "c"],
    cycle: [],
  },
  {
    name: "puts every service after the one it depends on, along a chain",
    deps: { a: ["b"], b: ["c"], c: [] },
    order: ["c", "b", "a"],
    cycle: [],
  },
  {
    name: "puts a service after all of its dependencies in a diamond",
    deps: { top: ["left", "right"], left: ["base"], right: ["base"], base: [] },
    order: ["base", "left", "right", "top"],
    cycle: [],
  },
  {
    name: "breaks ties by name among services that are ready",
    deps: { z: [], y: ["z"], a: [] },
    order: ["a", "z", "y"],
    cycle: [],
  },
  {
    name: "ignores dependencies on services that are not listed",
    deps: { a: ["gone"], b: ["a", "elsewhere"] },
    order: ["a", "b"],
    cycle: [],
  },
  {
    name: "reports a two-service cycle and appends its members by name",
    deps: { b: ["a"], a: ["b"] },
    order: ["a", "b"],
    cycle: ["a", "b"],
  },
  {
    name: "orders the rest first when a cycle sits beside independent services",
    deps: { a: ["b"], b: ["a"], c: [], d: ["c"] },
    order: ["c", "d", "a", "b"],
    cycle: ["a", "b"],
  },
  {
    name: "reports a service that depends on itself as a cycle",
    deps: { a: ["a"], b: [] },
    order: ["b", "a"],
    cycle: ["a"],
  },
];

for (const c of CASES) {
  Deno.test({
    name: `orderServices() ${c.name}`,
    permissions: PURE,
    fn() {
      assert.deepEqual(orderServices(deps(c.deps)), { order: c.order, cycle: c.cycle });
    },
  });
}

Deno.test({
  name: "orderServices() gives the same order whatever the Map and dependency list order",
  permissions: PURE,
  fn() {
    for (const c of CASES) {
      const reversed = new Map(
        Object.entries(c.deps).reverse().map(([n, d]) => [n, [...d].reverse()] as const),
      );
      assert.deepEqual(orderServices(reversed), orderServices(deps(c.deps)), c.name);
    }
  },
});

Deno.test({
  name: "orderServices() does not report a service that only depends on a cycle as part of it",
  permissions: PURE,
  fn() {
    assert.deepEqual(orderServices(deps({ a: ["b"], b: ["a"], aa: ["b"] })), {
      order: ["a", "b", "aa"],
      cycle: ["a", "b"],
    });
  },
});

/** Services `from` reaches by following dependencies on listed services, one step or more. */
function reachable(deps: ReadonlyMap<string, readonly string[]>, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(deps.get(from) ?? [])];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (!deps.has(n) || seen.has(n)) continue;
    seen.add(n);
    stack.push(...(deps.get(n) ?? []));
  }
  return seen;
}

Deno.test({
  name:
    "orderServices() on random graphs: every service once, after its dependencies unless on a " +
    "cycle, the first ready one by name at each step, and the cycle is what reaches itself",
  permissions: PURE,
  fn() {
    // a fixed linear congruential sequence: the same graphs every run
    let seed = 42;
    const next = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed >>> 16) % below; // the high bits: the low ones of an LCG repeat quickly
    };
    for (let round = 0; round < 300; round++) {
      const size = 1 + next(12);
      const names = Array.from({ length: size }, (_, i) => `s${next(30)}-${i}`);
      const graph = new Map(
        names.map((n) => [
          n,
          Array.from({ length: next(4) }, () => next(8) === 0 ? "absent" : names[next(size)]!),
        ]),
      );
      const where = JSON.stringify([...graph]);
      const { order, cycle } = orderServices(graph);
      assert.deepEqual([...order].sort(), [...names].sort(), where);
      const onCycle = names.filter((n) => reachable(graph, n).has(n)).sort();
      assert.deepEqual(cycle, onCycle, where);
      const placed = new Set<string>();
      for (const n of order) {
        const deps = (graph.get(n) ?? []).filter((d) => graph.has(d));
        const ready = names.filter((m) =>
          !placed.has(m) && (graph.get(m) ?? []).every((d) => !graph.has(d) || placed.has(d))
        ).sort();
        if (ready.length > 0) assert.equal(n, ready[0], `${where}: ${n} before ${ready[0]}`);
        else assert.ok(cycle.includes(n), `${where}: ${n} released although not on a cycle`);
        if (!cycle.includes(n)) {
          assert.ok(deps.every((d) => placed.has(d)), `${where}: ${n} before its dependencies`);
        }
        placed.add(n);
      }
    }
  },
});
