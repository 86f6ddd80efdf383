/**
 * Dependency order of services: a service comes after every service it depends on.
 *
 * @module
 */

/**
 * Topological order (Kahn), ties broken by name; members of a cycle are appended by name and reported.
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
  while (true) {
    const ready = [...pending.entries()].filter(([, d]) => d.size === 0).map(([n]) => n).sort();
    if (ready.length === 0) break;
    const next = ready[0]!;
    order.push(next);
    pending.delete(next);
    for (const d of pending.values()) d.delete(next);
  }
  const cycle = [...pending.keys()].sort();
  return { order: [...order, ...cycle], cycle };
}
