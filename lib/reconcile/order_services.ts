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
  const pending = new Map(
    names.map((n) => [n, new Set((deps.get(n) ?? []).filter((d) => deps.has(d)))]),
  );
  const order: string[] = [];
  const cycle = new Set<string>();
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
    const onCycle = [...pending.keys()].filter((n) => reaches(pending, n, n));
    for (const n of onCycle) cycle.add(n);
    const next = onCycle[0] ?? [...pending.keys()][0];
    if (next !== undefined) release(next);
  }
  return { order, cycle: [...cycle].sort() };
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
