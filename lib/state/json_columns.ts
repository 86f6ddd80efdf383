/**
 * Parsers of the state DB's JSON columns: each gives undefined for a value hoist did not write
 * there (the caller names the row as corrupt).
 *
 * @module
 */
import type { HealthyRevision } from "../health/types.ts";

/** Parses a JSON column that must hold an object of strings (`inputs`). */
export function stringRecord(text: unknown): Record<string, string> | undefined {
  try {
    const v: unknown = JSON.parse(String(text));
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    const entries = Object.entries(v);
    return entries.every(([, x]) => typeof x === "string")
      ? Object.fromEntries(entries.map(([k, x]) => [k, String(x)]))
      : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a JSON column that must hold a list of strings (`service_units`). */
export function stringList(text: unknown): string[] | undefined {
  try {
    const v: unknown = JSON.parse(String(text));
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? v.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses the `units` column of healthy_revisions. */
export function unitList(text: unknown): HealthyRevision["units"] | undefined {
  try {
    const v: unknown = JSON.parse(String(text));
    if (!Array.isArray(v)) return undefined;
    const ok = v.every((u) =>
      typeof u === "object" && u !== null && typeof u.path === "string" &&
      typeof u.serviceUnit === "string" && typeof u.content === "string"
    );
    return ok
      ? v.map((u) => ({ path: u.path, serviceUnit: u.serviceUnit, content: u.content }))
      : undefined;
  } catch {
    return undefined;
  }
}
