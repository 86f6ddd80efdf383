/**
 * `plan`, `apply` and `update`: their options; the commands are loaded only when they run.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import type { Exec, Program } from "./registry.ts";

/** `plan`, `apply` and `update`. */
export function addPlanCommands(program: Program, exec: Exec): void {
  const plan = () => import("./plan_command.ts");

  program.command("plan")
    .description("show what apply would change, with a diff per unit file (= apply --dry-run)")
    .option("--json", "print the plan as JSON")
    .option("--detailed-exitcode", "exit 2 when changes are pending, 0 when none, 1 on error")
    .option("--allow-rollback", "show the plan for a commit older than the last deployed one")
    .action((opts) =>
      exec(async (ctx) =>
        (await plan()).planCommand(ctx, {
          dryRun: true,
          json: !!opts.json,
          detailed: !!opts.detailedExitcode,
          lockTimeout: 60,
          allowRollback: !!opts.allowRollback,
        })
      )
    );

  program.command("apply")
    .description(
      "converge this host to the repository: write units, reload, start/restart/stop, record",
    )
    .option("--dry-run", "only print the plan")
    .option(
      "--allow-rollback",
      "accept, this once, a commit that does not descend from the last deployed one (recorded)",
    )
    .option(
      "--adopt",
      "after a lost state DB: own again the unit files with hoist's labels, accept the fetched commit",
    )
    .option("--json", "print the plan and results as JSON")
    .option(
      "--retry-failed <service...>",
      "deploy SERVICE's hash even though it failed health here",
    )
    .option("--now", "deploy now, outside the [rollout] windows and before min_commit_age")
    .option(
      "--metrics-file <path>",
      "write this run's metrics for node_exporter's textfile collector (default: [metrics] textfile)",
    )
    .addOption(
      new Option("--lock-timeout <seconds>", "wait this long for another apply to finish").default(
        "60",
      ),
    )
    .action((opts) =>
      exec(async (ctx) =>
        (await plan()).planCommand(ctx, {
          dryRun: !!opts.dryRun,
          json: !!opts.json,
          detailed: false,
          lockTimeout: Number(opts.lockTimeout),
          allowRollback: !!opts.allowRollback,
          adopt: !!opts.adopt,
          ...(opts.retryFailed === undefined ? {} : { retryFailed: opts.retryFailed }),
          ...(opts.now ? { now: true } : {}),
          ...(opts.metricsFile === undefined ? {} : { metricsFile: opts.metricsFile }),
        })
      )
    );

  program.command("update")
    .description(
      "check SERVICE's images against their registry, pull what changed and restart it " +
        "(pinned images are Git's; pending changes wait for apply)",
    )
    .argument("[service...]", "service names as listed in config.yml (none: every manual/auto one)")
    .option("--dry-run", "only check: show which images have an update, pull nothing")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nPolicies (config.yml services.<name>.images): pinned (default with a digest) is never\n" +
        "updated here; manual (default with a tag) only by hoist update; auto also by the\n" +
        "scheduled check ([images] check_every). Examples:\n" +
        "  hoist update --dry-run      # which services have an image update\n" +
        "  hoist update web            # check, pull if the registry has a new image, restart",
    )
    .action((services, opts) =>
      exec(async (ctx) =>
        (await import("./update_command.ts")).updateCommand(ctx, {
          services,
          json: !!opts.json,
          dryRun: !!opts.dryRun,
        })
      )
    );
}
