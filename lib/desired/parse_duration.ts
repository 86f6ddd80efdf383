/**
 * Durations as config files write them (`500ms`, `2s`, `1.5m`, `1h`, a bare number of seconds),
 * in ms. Pure.
 *
 * @module
 */

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration: `500ms`, `2s`, `1.5m`, `1h`, or a bare number of seconds. Undefined when
 * it is none of those.
 *
 * @example
 * ```ts
 * parseDuration("30s"); // 30000
 * parseDuration("fast"); // undefined
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? "s"] ?? 1_000));
}
