/**
 * `remote`: its arguments and options; the client is loaded only when it runs.
 *
 * @module
 */
import type { Exec, Program } from "./registry.ts";

/** Adds `remote` to `program`. */
export function addRemoteCommand(program: Program, exec: Exec): void {
  program.command("remote")
    .description(
      "operate a service on a host running hoist serve, signed with an SSH key committed in the " +
        "repository's ssh/ folder (exit 3: unauthorised, 4: unreachable)",
    )
    .argument(
      "<target...>",
      "HOST[:PORT] SERVICE OP, HOST[:PORT] OP (plan, apply), or HOST[:PORT]:SERVICE//OP",
    )
    .option("-i, --identity <key>", "private key file (a .pub: its private half is in ssh-agent)")
    .option("--tail <n>", "logs: the last N lines (1-10000, default 200)")
    .option("--since <when>", "logs: since a duration (30s, 15m, 2h, 7d) or UTC time (…T12:00:00Z)")
    .option("--json", "print the server's answer as JSON")
    .addHelpText(
      "after",
      "\nOperations: ping, ps, logs, restart, start, stop, pull (not built yet), and host-wide plan, apply.\n" +
        "Key: -i, else HOIST_REMOTE_KEY (the private key's text, for CI), else the first ssh-agent key.",
    )
    .action((target, opts) =>
      exec(async (ctx) => (await import("./remote_command.ts")).remoteCommand(ctx, target, opts))
    );
}
