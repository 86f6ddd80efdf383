/**
 * `hoist doctor`'s output: aligned text (colour only when allowed) or JSON; every string escaped,
 * since messages quote the host, git and the repository.
 *
 * @module
 */
import { oneLine, safeJson } from "../errors.ts";
import type { CheckLevel, CheckResult } from "./types.ts";

const COLOR: Record<CheckLevel, string> = { ok: "32", warning: "33", error: "31" };

/**
 * One line per check, `level  id  message`, the fix indented under it; then a summary line.
 *
 * @example
 * ```ts
 * doctorText([{ id: "podman", level: "ok", message: "podman version 5.4.2" }], false);
 * // "ok       podman  podman version 5.4.2\n\nhoist doctor: 1 ok, 0 warning(s), 0 error(s)\n"
 * ```
 */
export function doctorText(results: readonly CheckResult[], color: boolean): string {
  const paint = (level: CheckLevel, text: string) =>
    color ? `\x1b[${COLOR[level]}m${text}\x1b[0m` : text;
  const idWidth = Math.max(0, ...results.map((r) => oneLine(r.id).length));
  const lines: string[] = [];
  for (const r of results) {
    const level = paint(r.level, r.level.padEnd(9));
    lines.push(`${level}${oneLine(r.id).padEnd(idWidth)}  ${oneLine(r.message)}`);
    if (r.fix !== undefined && r.level !== "ok") {
      lines.push(`${" ".repeat(9 + idWidth + 2)}fix: ${oneLine(r.fix)}`);
    }
  }
  const count = (l: CheckLevel) => results.filter((r) => r.level === l).length;
  lines.push(
    "",
    `hoist doctor: ${count("ok")} ok, ${count("warning")} warning(s), ${count("error")} error(s)`,
  );
  return lines.join("\n") + "\n";
}

/** `{ "ok": bool, "checks": [...] }`, keys in a fixed order. */
export function doctorJson(results: readonly CheckResult[]): string {
  return safeJson({
    ok: !results.some((r) => r.level === "error"),
    checks: results.map((r) => ({
      id: r.id,
      level: r.level,
      message: r.message,
      fix: r.fix ?? null,
    })),
  }) + "\n";
}
