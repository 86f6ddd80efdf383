/**
 * `history` and `rollback`: their options; the commands are loaded only when they run.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import type { Exec, Program } from "./registry.ts";

/** Adds `history [SERVICE]` and `rollback SERVICE` to `program`. */
export function addHealthCommands(program: Program, exec: Exec): void {
  program.command("history")
    .description("deployments with their actions, health verdicts and rollbacks, newest first")
    .argument("[service]", "only deployments that judged or rolled back this service")
    .option("--json", "print JSON")
    .addOption(new Option("--limit <n>", "how many deployments").default("20"))
    .action((service, opts) =>
      exec(async (ctx) =>
        (await import("./history_command.ts")).historyCommand(ctx, {
          ...(service === undefined ? {} : { service }),
          json: !!opts.json,
          limit: opts.limit,
        })
      )
    );
  program.command("rollback")
    .description(
      "put SERVICE back to a revision that passed health here (default: the newest other one)",
    )
    .argument("<service>", "the service")
    .option("--to <hash>", "the hash or revision (4 or more characters) to go back to")
    .option("--dry-run", "only say what would be restored")
    .addOption(
      new Option("--lock-timeout <seconds>", "wait this long for an apply to finish").default("60"),
    )
    .action((service, opts) =>
      exec(async (ctx) =>
        (await import("./rollback_command.ts")).rollbackCommand(ctx, {
          service,
          ...(opts.to === undefined ? {} : { to: opts.to }),
          dryRun: !!opts.dryRun,
          lockTimeout: opts.lockTimeout,
        })
      )
    );
}
