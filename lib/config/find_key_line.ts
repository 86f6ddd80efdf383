/**
 * {@link findKeyLine}: where a key stands in the agent config's TOML text, for messages. Pure.
 *
 * @module
 */

/**
 * Best-effort line of a key path (`["source", "url"]`, `["sources", 1, "url"]`) in TOML text, for
 * messages. Array-of-tables indexes pick the N-th `[[table]]`.
 */
export function findKeyLine(text: string, key: readonly (string | number)[]): number | undefined {
  const names = key.filter((k): k is string => typeof k === "string");
  const index = key.find((k): k is number => typeof k === "number") ?? 0;
  const last = names[names.length - 1];
  if (last === undefined) return undefined;
  const table = names.slice(0, -1).join(".");
  const lines = text.split("\n");
  const seen = new Map<string, number>();
  let current = "";
  let occurrence = 0;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line)?.[1];
    if (header !== undefined) {
      current = header;
      occurrence = seen.get(current) ?? 0;
      seen.set(current, occurrence + 1);
      if (current === names.join(".") && occurrence === index) return i + 1;
      continue;
    }
    const m = /^("?)([A-Za-z0-9_-]+)\1\s*=/.exec(line);
    if (m && m[2] === last && current === table && occurrence === index) return i + 1;
  }
  return undefined;
}
