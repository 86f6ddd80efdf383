/**
 * Dependency order of services: a service comes after every service it depends on.
 *
 * @module
 */

/**
 * Topological order (Kahn), ties broken by name. When only cycles are left, the first service by
 * name that sits on a cycle is released and the sort goes on; `cycle` lists the services on cycles
 * (a service that merely depends on a cycle is not one of them, and still comes after it).
 *
 * @example
 * ```ts
 * orderServices(new Map([["a", ["b"]], ["b", []]])).order; // ["b", "a"]
 * ```
 */
export function orderServices(
  deps: ReadonlyMap<string, readonly string[]>,
): { order: string[]; cycle: string[] } {
  const names = [...deps.keys()].sort();
  // what each service still waits for, and who waits for it: a release touches only those
  const pending = new Map(
    names.map((n) => [n, new Set((deps.get(n) ?? []).filter((d) => deps.has(d)))]),
  );
  const waiting = Map.groupBy(
    names.flatMap((n) => [...pending.get(n)!].map((d) => ({ n, d }))),
    (e) => e.d,
  );
  // services waiting for nothing, by name (first out first)
  const ready = names.filter((n) => pending.get(n)!.size === 0);
  const order: string[] = [];
  const cycle = new Set<string>();
  const release = (name: string) => {
    order.push(name);
    pending.delete(name);
    for (const { n } of waiting.get(name) ?? []) {
      const left = pending.get(n);
      if (left === undefined || !left.delete(name) || left.size > 0) continue;
      ready.splice(sortedIndex(ready, n), 0, n);
    }
  };
  while (pending.size > 0) {
    const next = ready.shift();
    if (next !== undefined) {
      release(next);
      continue;
    }
    const onCycle = [...pending.keys()].filter((n) => reaches(pending, n, n));
    for (const n of onCycle) cycle.add(n);
    const first = onCycle[0] ?? [...pending.keys()][0];
    if (first !== undefined) release(first);
  }
  return { order, cycle: [...cycle].sort() };
}

/** Where `name` goes in the sorted list `names` to keep it sorted. */
function sortedIndex(names: readonly string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid]! < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when `to` is reachable from `from` following pending dependencies (at least one step). */
function reaches(
  pending: ReadonlyMap<string, ReadonlySet<string>>,
  from: string,
  to: string,
): boolean {
  const seen = new Set<string>();
  const stack = [...(pending.get(from) ?? [])];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (n === to) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(pending.get(n) ?? []));
  }
  return false;
}
