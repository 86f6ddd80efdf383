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

/**
 * The sort as it was first written (every release scans every service): slow on hundreds of
 * services, plain to check by eye. The indexed sort must give the same answer.
 */
function referenceOrder(
  deps: ReadonlyMap<string, readonly string[]>,
): { order: string[]; cycle: string[] } {
  const pending = new Map(
    [...deps.keys()].sort().map((
      n,
    ) => [n, new Set((deps.get(n) ?? []).filter((d) => deps.has(d)))]),
  );
  const order: string[] = [];
  const cycle = new Set<string>();
  const reaches = (from: string, to: string) => {
    const seen = new Set<string>();
    const stack = [...(pending.get(from) ?? [])];
    for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
      if (n === to) return true;
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(...(pending.get(n) ?? []));
      }
    }
    return false;
  };
  const release = (name: string) => {
    order.push(name);
    pending.delete(name);
    for (const d of pending.values()) d.delete(name);
  };
  while (pending.size > 0) {
    const ready = [...pending.entries()].find(([, d]) => d.size === 0)?.[0];
    if (ready !== undefined) {
      release(ready);
      continue;
    }
    const onCycle = [...pending.keys()].filter((n) => reaches(n, n));
    for (const n of onCycle) cycle.add(n);
    release(onCycle[0] ?? [...pending.keys()][0]!);
  }
  return { order, cycle: [...cycle].sort() };
}

Deno.test({
  name: "orderServices() agrees with the plain reference sort on random graphs, cycles included",
  permissions: PURE,
  fn() {
    // a fixed linear congruential sequence: the same graphs every run
    let seed = 42;
    const next = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % below;
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
      const got = orderServices(graph);
      assert.deepEqual(got, referenceOrder(graph), JSON.stringify([...graph]));
      assert.deepEqual([...got.order].sort(), [...names].sort());
    }
  },
});
