/**
 * What runs hoist and what it remembers: the timer enabled and the last run's result
 * (`systemctl show`), and the state DB intact (`PRAGMA integrity_check`).
 *
 * @module
 */
import type { Mode } from "../types/mode.ts";
import { type CheckResult, type DoctorFacts, result, type UnitProperties } from "./types.ts";

/** The units `hoist doctor` asks systemd about, in this order. */
export const DOCTOR_UNITS = ["hoist.timer", "hoist.service", "hoist-serve.service"] as const;

/** The properties asked for (`systemctl show -p …`). */
export const UNIT_PROPERTIES = [
  "Id",
  "LoadState",
  "UnitFileState",
  "ActiveState",
  "Result",
  "ExecMainStatus",
  "ExecMainExitTimestamp",
] as const;

/**
 * `systemctl show A B -p …` output (one block of `Key=Value` lines per unit, blocks separated by
 * a blank line) → unit `Id` → properties.
 */
export function parseShow(text: string): Map<string, UnitProperties> {
  const out = new Map<string, UnitProperties>();
  for (const block of text.split(/\n\s*\n/)) {
    const props: Record<string, string> = {};
    for (const line of block.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1);
    }
    if (props.Id !== undefined) out.set(props.Id, props);
  }
  return out;
}

const systemctl = (mode: Mode) => mode === "user" ? "systemctl --user" : "systemctl";
const journal = (mode: Mode, unit: string) =>
  `journalctl ${mode === "user" ? "--user " : ""}-u ${unit} -n 50`;

/** hoist.timer installed, enabled and active; or hoist-serve.service running instead. */
export function checkTimer(units: DoctorFacts["units"], mode: Mode): CheckResult {
  const id = "timer";
  if (!units.ok) {
    return result(
      id,
      "error",
      `cannot ask systemd: ${units.error}`,
      `Check that ${systemctl(mode)} works here`,
    );
  }
  const timer = units.byUnit.get("hoist.timer");
  const serve = units.byUnit.get("hoist-serve.service");
  if (serve?.ActiveState === "active" && timer?.ActiveState !== "active") {
    return result(id, "ok", "hoist-serve.service is running (it runs scheduled reconciles itself)");
  }
  const install = mode === "user"
    ? "hoist init, or copy quadlets/hoist-user.service and hoist.timer to ~/.config/systemd/user/ (as hoist.service)"
    : "hoist init, or copy quadlets/hoist.service and hoist.timer to /etc/systemd/system/";
  if (timer === undefined || timer.LoadState !== "loaded") {
    return result(
      id,
      "error",
      `hoist.timer is not installed (${timer?.LoadState ?? "unknown"})`,
      `${install}, then ${systemctl(mode)} enable --now hoist.timer`,
    );
  }
  if (timer.UnitFileState !== "enabled" && timer.UnitFileState !== "enabled-runtime") {
    return result(
      id,
      "error",
      `hoist.timer is ${timer.UnitFileState || "not enabled"}: nothing runs hoist after a reboot`,
      `${systemctl(mode)} enable --now hoist.timer`,
    );
  }
  if (timer.ActiveState !== "active") {
    return result(
      id,
      "warning",
      `hoist.timer is enabled but ${timer.ActiveState}`,
      `${systemctl(mode)} start hoist.timer`,
    );
  }
  return result(id, "ok", "hoist.timer enabled and active");
}

/** The last hoist.service run succeeded (or none has run yet). */
export function checkLastRun(units: DoctorFacts["units"], mode: Mode): CheckResult | undefined {
  if (!units.ok) return undefined;
  const s = units.byUnit.get("hoist.service");
  if (s === undefined || s.LoadState !== "loaded") return undefined;
  const at = s.ExecMainExitTimestamp ?? "";
  if (at === "" || at === "n/a") {
    return result(
      "last run",
      s.ActiveState === "activating" ? "ok" : "warning",
      s.ActiveState === "activating"
        ? "hoist.service is running now"
        : "hoist.service has not run yet",
      `${systemctl(mode)} start hoist.service, then ${journal(mode, "hoist.service")}`,
    );
  }
  if (s.Result !== "success") {
    return result(
      "last run",
      "error",
      `hoist.service failed at ${at} (${s.Result}, exit status ${s.ExecMainStatus ?? "?"})`,
      `${journal(mode, "hoist.service")} shows why; hoist plan shows what the next run will do`,
    );
  }
  return result("last run", "ok", `succeeded at ${at}`);
}

/** The state DB: absent before the first run, else `integrity_check` says `ok`. */
export function checkDb(db: DoctorFacts["db"]): CheckResult {
  const id = "state db";
  const aside = `mv '${db.path}' '${db.path}.broken'; then hoist apply --adopt rebuilds ` +
    "the inventory from the unit files hoist wrote";
  if (db.kind === "missing") {
    return result(id, "ok", `${db.path} not created yet (the first run creates it)`);
  }
  if (db.kind === "unreadable") return result(id, "error", `${db.path}: ${db.error}`, aside);
  if (db.lines.length === 1 && db.lines[0] === "ok") return result(id, "ok", `${db.path} intact`);
  const some = db.lines.slice(0, 3).join("; ");
  return result(id, "error", `${db.path} is damaged: ${some}`, aside);
}
