/**
 * `hoist rollback SERVICE [--to HASH|REVISION] [--dry-run]`: prints what runRollback did.
 *
 * @module
 */
import { HoistError, oneLine } from "../errors.ts";
import { runRollback } from "../run/rollback_run.ts";
import { type CommandContext, loadConfig } from "./context.ts";
import { EXIT, printError } from "./exit_codes.ts";

/** Runs rollback; returns the exit code (1 when the restored revision fails health). */
export async function rollbackCommand(
  { io, globals, makeDeps }: CommandContext,
  opts: { service: string; to?: string; dryRun: boolean; lockTimeout: string },
): Promise<number> {
  const seconds = Number(opts.lockTimeout);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new HoistError(
      "usage",
      `--lock-timeout must be a number of seconds, got ${opts.lockTimeout}`,
    );
  }
  const config = await loadConfig(io, globals);
  const outcome = await runRollback(await makeDeps(config), config, {
    service: opts.service,
    ...(opts.to === undefined ? {} : { to: opts.to }),
    dryRun: opts.dryRun,
    lockTimeoutMs: seconds * 1000,
  });
  if (!outcome.ok) return printError(io, outcome.error);
  const r = outcome.value;
  if (r.dryRun) {
    const offered = r.offered.map((h) =>
      `  ${h.hash.slice(0, 12)} ${h.revision.slice(0, 12)} ${h.at}`
    );
    io.out(
      oneLine(`${r.service}: ${r.line}`) +
        `\nRevisions offered (newest first):\n${offered.map(oneLine).join("\n")}\n`,
    );
    return EXIT.ok;
  }
  io.out(oneLine(r.line) + "\n");
  if (r.error !== undefined) {
    io.err(
      oneLine(`error: ${r.service}: the restored revision is not healthy either: ${r.error}`) +
        "\n",
    );
    return EXIT.error;
  }
  return EXIT.ok;
}
