/**
 * `hoist history [SERVICE] [--json] [--limit N]`: prints what runHistory read, escaped.
 *
 * @module
 */
import { HoistError, oneLine, safeJson } from "../errors.ts";
import { type HistoryEntry, runHistory } from "../run/history_run.ts";
import type { HealthHistoryRow } from "../state/health_records.ts";
import { type CommandContext, loadConfig } from "./context.ts";
import { EXIT, printError } from "./exit_codes.ts";

/** Runs history; returns the exit code. */
export async function historyCommand(
  { io, globals, makeDeps }: CommandContext,
  opts: { service?: string; json: boolean; limit: string },
): Promise<number> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new HoistError(
      "usage",
      `--limit must be a whole number from 1 to 10000, got ${opts.limit}`,
    );
  }
  const config = await loadConfig(io, globals);
  const outcome = await runHistory(await makeDeps(config), config, {
    ...(opts.service === undefined ? {} : { service: opts.service }),
    limit,
  });
  if (!outcome.ok) return printError(io, outcome.error);
  if (opts.json) io.out(safeJson({ deployments: outcome.value }) + "\n");
  else io.out(historyText(outcome.value));
  return EXIT.ok;
}

const short = (h: string | undefined) => h === undefined ? "-" : h.slice(0, 12);

function seconds(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)}s` : "?";
}

function healthLine(h: HealthHistoryRow): string {
  if (h.type === "rollback") {
    return h.result === "down"
      ? `  ${h.service}: ${short(h.fromHash)} failed health, nothing to roll back to (${h.reason})`
      : `  ${h.service}: ${h.result === "rolled-back" ? "rolled back" : "rollback failed"} ${
        short(h.fromHash)
      } → ${short(h.toHash)} (${h.reason})`;
  }
  return `  ${h.service} ${short(h.hash)} ${
    h.phase === "rollback" ? "after rollback: " : ""
  }${h.probe} ${h.verdict}: ${h.reason} (${
    seconds(h.startedAt, h.finishedAt)
  }, ${h.probes} probe(s))`;
}

/** The text: one block per deployment, newest first. */
export function historyText(entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return "No deployments recorded.\n";
  return entries.map(({ deployment: d, health }) =>
    [
      `#${d.id} ${d.startedAt} ${short(d.revision)} ${d.status}, ${d.actions} action(s)${
        d.error ? `: ${d.error}` : ""
      }`,
      ...health.map(healthLine),
    ].map(oneLine).join("\n") + "\n"
  ).join("");
}
