/**
 * `notify test`: its options; the command is loaded only when it runs.
 *
 * @module
 */
import type { Exec, Program } from "./registry.ts";

/** Adds `notify test [SINK]` to `program`. */
export function addNotifyCommand(program: Program, exec: Exec): void {
  program.command("notify")
    .description("notifications ([[notify]] in the config)")
    .command("test")
    .description("send a test message to SINK (a [[notify]] name; default: every sink)")
    .argument("[sink]", "the sink's name (name =, else its type, e.g. ntfy or email-2)")
    .action((sink) =>
      exec(async (ctx) => (await import("./notify_command.ts")).notifyTestCommand(ctx, sink))
    );
}
