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
