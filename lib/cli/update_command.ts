/**
 * `hoist update [SERVICE…] [--dry-run]`: check a service's images against their registry, pull
 * what changed and restart it (see lib/run/update_run.ts).
 *
 * @module
 */
import { oneLine, safeJson } from "../errors.ts";
import { shortDigest } from "../images/image_checks.ts";
import { runUpdate, type ServiceUpdate } from "../run/update_run.ts";
import { scheduledUpdate } from "../run/scheduled_update.ts";
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import type { DesiredState } from "../desired/types.ts";
import { type CommandContext, loadConfig } from "./context.ts";
import { EXIT, printError } from "./exit_codes.ts";

/** The options of update. */
export interface UpdateCommandOptions {
  readonly services: readonly string[];
  readonly json: boolean;
  readonly dryRun?: boolean;
}

/** Runs update; 0 when every service was updated or unchanged, 1 when one failed. */
export async function updateCommand(
  { io, globals, makeDeps }: CommandContext,
  opts: UpdateCommandOptions,
): Promise<number> {
  const config = await loadConfig(io, globals);
  const outcome = await runUpdate(await makeDeps(config), config, opts.services, {
    lockTimeoutMs: 60_000,
    dryRun: opts.dryRun === true,
  });
  if (!outcome.ok) return printError(io, outcome.error);
  const report = outcome.value;
  if (opts.json) io.out(safeJson(report) + "\n");
  else if (report.services.length === 0) {
    io.out("No service with a manual or auto image (pinned ones change only through Git).\n");
  } else for (const s of report.services) io.out(line(s, report.dryRun) + "\n");
  return report.services.some((s) => s.error !== undefined) ? EXIT.error : EXIT.ok;
}

/**
 * Runs the scheduled check of `auto` services when `[images] check_every` is due (after an
 * apply), and says what it did in lines for stderr: one per service it updated or could not,
 * none when it was not due or nothing changed. It never changes apply's exit code.
 */
export async function scheduledUpdateLines(
  deps: Deps,
  config: Config,
  desired: DesiredState,
  lockTimeoutMs: number,
): Promise<string[]> {
  const outcome = await scheduledUpdate(deps, config, desired, lockTimeoutMs);
  if (outcome === undefined) return [];
  if (!outcome.ok) return [oneLine(`warning: scheduled image check: ${outcome.error.message}`)];
  return outcome.value.services.filter((s) => s.restarted || s.error !== undefined)
    .map((s) => `hoist: scheduled image update: ${line(s, false)}`);
}

function line(s: ServiceUpdate, dryRun: boolean): string {
  const short = (id: string | undefined) => (id === undefined ? "none" : id.slice(0, 12));
  const images = s.images.map((i) =>
    i.error !== undefined
      ? `${i.image}: ${i.error}`
      : i.skipped !== undefined
      ? `${i.image} ${i.skipped}`
      : i.remote !== undefined && i.local !== i.remote && dryRun
      ? `${i.image} update available (${shortDigest(i.local)} → ${shortDigest(i.remote)})`
      : i.before === i.after
      ? `${i.image} unchanged`
      : `${i.image} ${short(i.before)} → ${short(i.after)}`
  );
  if (s.skipped !== undefined) return oneLine(`${s.service}: skipped: ${s.skipped}`);
  const verdict = s.error !== undefined
    ? "not updated, still running its current image"
    : dryRun
    ? "nothing pulled (dry run)"
    : s.restarted
    ? "restarted"
    : "nothing to restart";
  return oneLine(`${s.service}: ${images.join("; ") || "no registry images"}; ${verdict}`);
}
