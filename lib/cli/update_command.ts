/**
 * `hoist update SERVICE…`: pull a service's images and restart it when one changed (see
 * lib/run/update_run.ts).
 *
 * @module
 */
import { oneLine, safeJson } from "../errors.ts";
import { runUpdate, type ServiceUpdate } from "../run/update_run.ts";
import { type CommandContext, loadConfig } from "./context.ts";
import { EXIT, printError } from "./exit_codes.ts";

/** The options of update. */
export interface UpdateCommandOptions {
  readonly services: readonly string[];
  readonly json: boolean;
}

/** Runs update; 0 when every service was updated or unchanged, 1 when one failed. */
export async function updateCommand(
  { io, globals, makeDeps }: CommandContext,
  opts: UpdateCommandOptions,
): Promise<number> {
  const config = await loadConfig(io, globals);
  const outcome = await runUpdate(await makeDeps(config), config, opts.services, {
    lockTimeoutMs: 60_000,
  });
  if (!outcome.ok) return printError(io, outcome.error);
  const report = outcome.value;
  if (opts.json) io.out(safeJson(report) + "\n");
  else for (const s of report.services) io.out(line(s) + "\n");
  return report.services.some((s) => s.error !== undefined) ? EXIT.error : EXIT.ok;
}

function line(s: ServiceUpdate): string {
  const short = (id: string | undefined) => (id === undefined ? "none" : id.slice(0, 12));
  const images = s.images.map((i) =>
    i.error !== undefined
      ? `${i.image}: ${i.error}`
      : i.before === i.after
      ? `${i.image} unchanged`
      : `${i.image} ${short(i.before)} → ${short(i.after)}`
  );
  const verdict = s.error !== undefined
    ? "not updated, still running its current image"
    : s.restarted
    ? "restarted"
    : "nothing to restart";
  return oneLine(`${s.service}: ${images.join("; ") || "no registry images"}; ${verdict}`);
}
