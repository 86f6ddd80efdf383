/**
 * `hoist notify test [SINK]`: sends a test message to one sink (or all) and says what happened.
 * Registered by register_notify.ts; the notification code is loaded only when the command runs.
 *
 * @module
 */
import { oneLine } from "../errors.ts";
import { type CommandContext, loadConfig } from "./context.ts";
import { EXIT } from "./exit_codes.ts";

/** Sends the test message; exit 0 when every sink got it, 1 otherwise. */
export async function notifyTestCommand(
  { io, globals, makeDeps }: CommandContext,
  sink: string | undefined,
): Promise<number> {
  const config = await loadConfig(io, globals);
  const { notifyDeps, notifyTest } = await import("../notify/notify_run.ts");
  const deps = await makeDeps(config);
  const report = await notifyTest(notifyDeps(deps, config), config, sink, deps.clock());
  for (const d of report.deliveries) {
    const tries = `${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`;
    io.out(
      d.result === "sent"
        ? `${oneLine(d.sink)}: sent (${tries})\n`
        : `${oneLine(d.sink)}: not sent${d.attempts > 0 ? ` after ${tries}` : ""}: ${
          oneLine(d.error ?? d.result)
        }\n`,
    );
  }
  return report.deliveries.every((d) => d.result === "sent") ? EXIT.ok : EXIT.error;
}
