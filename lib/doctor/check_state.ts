/**
 * Checks of where hoist keeps things: free space on the state and quadlet file systems, and a
 * state DB that lost what hoist deployed. Pure.
 *
 * @module
 */
import { type CheckResult, type DoctorFacts, result } from "./types.ts";

/** `df -Pk -- DIR` → available and total KiB of DIR's file system, or undefined. */
export function parseDf(text: string): { availableKiB: number; totalKiB: number } | undefined {
  const line = text.trim().split("\n")[1];
  const f = line?.trim().split(/\s+/);
  if (f === undefined || f.length < 6) return undefined;
  const total = Number(f[1]);
  const available = Number(f[3]);
  return Number.isFinite(total) && Number.isFinite(available)
    ? { availableKiB: available, totalKiB: total }
    : undefined;
}

/** Under this, writes fail soon: an error. */
const FULL_KIB = 50 * 1024;
/** Under this (or 5 % of the file system), a warning. */
const LOW_KIB = 512 * 1024;

/** Free space on the file system of state_dir or quadlet_dir. */
export function checkSpace(s: DoctorFacts["space"][number]): CheckResult {
  const id = `space ${s.key}`;
  if ("error" in s) {
    return result(id, "warning", `cannot tell the free space of ${s.path}: ${s.error}`);
  }
  const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
  const fix =
    `Free space on the file system holding ${s.path} (df -h ${s.path}; podman system prune removes unused images)`;
  if (s.availableKiB < FULL_KIB) {
    return result(
      id,
      "error",
      `${s.path}: only ${mib(s.availableKiB)} free; writes will fail`,
      fix,
    );
  }
  if (s.availableKiB < LOW_KIB || s.availableKiB < s.totalKiB * 0.05) {
    return result(
      id,
      "warning",
      `${s.path}: ${mib(s.availableKiB)} free of ${mib(s.totalKiB)}`,
      fix,
    );
  }
  return result(id, "ok", `${s.path}: ${mib(s.availableKiB)} free`);
}

/**
 * A state DB that records no unit while quadlet_dir holds unit files with both of hoist's labels:
 * hoist forgot what it deployed (and its anti-rollback baseline); `apply --adopt` recovers.
 */
export function checkLostDb(db: DoctorFacts["db"], hoistUnits: number): CheckResult | undefined {
  if (hoistUnits === 0) return undefined;
  const empty = db.kind === "missing" || (db.kind === "checked" && db.inventory === 0);
  if (!empty) return undefined;
  return result(
    "state lost",
    "error",
    `${
      db.path || "the state DB"
    } records nothing, but quadlet_dir holds ${hoistUnits} unit file(s) hoist wrote: ` +
      "the state DB was lost or emptied, and hoist refuses to start afresh",
    "hoist apply --adopt --dry-run shows the plan; hoist apply --adopt owns those files again and accepts the commit it fetches as the last deployed one",
  );
}
