/**
 * The command line: parse args, hand each command to its module (loaded only when used), map
 * errors to exit codes. No process exits here.
 *
 * @module
 */
import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { HoistError } from "../errors.ts";
import { versionLine } from "../version.ts";
import type { CliIo, CommandContext, DepsFactory } from "./context.ts";
import { addConvertCommand } from "./convert_command.ts";
import { EXIT, printError } from "./exit_codes.ts";

export { EXIT } from "./exit_codes.ts";

export type { DepsFactory } from "./context.ts";

const realDeps: DepsFactory = async (c) => (await import("../deps.ts")).buildDeps(c);

const EXAMPLES = `
Examples:
  hoist plan                          what the next apply would do, with a diff per unit file
  hoist plan --detailed-exitcode      exit 2 when changes are pending (for scripts and CI)
  hoist apply                         converge now (the systemd timer runs this)
  hoist validate ~/infra --host pi    check a checkout before pushing; every problem as file:line
  hoist render web                    the quadlet files hoist writes for service "web"

Exit codes: 0 ok or no changes, 1 error (or a service failed), 2 changes pending
(--detailed-exitcode only), 64 usage error.
Repository layout: <path>/<host>/config.yml lists services; <path>/<host>/<service>/manifest.yml
holds quadlet sections as YAML; raw .container/.network/.volume/... files next to it are deployed under
<prefix><service>/ (labels added, \${SERVICE_DIR} and friends filled in).`;

/** Runs hoist with `argv`; returns the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  makeDeps: DepsFactory = realDeps,
): Promise<number> {
  let code: number = EXIT.ok;
  const program = newProgram()
    .name("hoist")
    .description(
      "GitOps for Podman quadlets: turn a Git repository into running containers on this host.\n\n" +
        "Typical use: `hoist plan` to see what would change, `hoist apply` to converge (run by a systemd timer).",
    )
    .option(
      "-c, --config <file>",
      "agent config (default: /etc/hoist/config.toml as root, else $XDG_CONFIG_HOME/hoist/config.toml; or $HOIST_CONFIG)",
    )
    .option("-v, --verbose", "show more detail")
    .option("-q, --quiet", "print only errors and the summary")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run hoist --help for usage)")
    .addHelpText("after", EXAMPLES);
  const exec = async (command: (ctx: CommandContext) => Promise<number>) => {
    code = await command({ io, globals: program.opts(), makeDeps });
  };
  addPlanCommands(program, exec);
  addOtherCommands(program, exec);
  addConvertCommand(program, exec);
  program.command("version")
    .description("print the version")
    .action(() => io.out(versionLine()));

  if (argv.length === 0) {
    io.err(program.helpInformation());
    return EXIT.usage; // a command is required
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return commanderExit(e);
    if (e instanceof HoistError) return printError(io, e);
    throw e;
  }
}

type Program = ReturnType<typeof newProgram>;

function newProgram() {
  return new Command();
}

/** Runs a command with the context of this invocation and keeps its exit code. */
type Exec = (command: (ctx: CommandContext) => Promise<number>) => Promise<void>;

/** `plan` and `apply`. */
function addPlanCommands(program: Program, exec: Exec): void {
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
        })
      )
    );
}

/** `status`, `validate` and `render`. */
function addOtherCommands(program: Program, exec: Exec): void {
  const other = () => import("./other_commands.ts");
  program.command("status")
    .description("per service: desired hash, running hash, container state, last change")
    .option("--json", "print JSON")
    .action((opts) =>
      exec(async (ctx) => (await other()).statusCommand(ctx, { json: !!opts.json }))
    );

  program.command("validate")
    .description(
      "offline check of a checkout: every problem with file:line (runs the quadlet generator if installed)",
    )
    .argument("[dir]", "repository checkout", ".")
    .option("--host <host>", "check only this host's folder (default: every host)")
    .option("--path <path>", "folder holding the host folders", "gitops")
    .option("--json", "print problems as JSON")
    .action((dir, opts) =>
      exec(async (ctx) =>
        (await other()).validateCommand(ctx, {
          dir,
          path: opts.path,
          json: !!opts.json,
          ...(opts.host === undefined ? {} : { host: opts.host }),
        })
      )
    );

  program.command("render")
    .description("print the unit files hoist would write for SERVICE")
    .argument("<service>", "service name as listed in config.yml")
    .action((service) => exec(async (ctx) => (await other()).renderCommand(ctx, service)));

  program.command("serve")
    .description("webhooks, metrics and scheduled reconciles until SIGTERM ([serve] in the config)")
    .option("--listen <address:port>", "override [serve] listen (default 127.0.0.1:9321)")
    .action((opts) =>
      exec(async (ctx) => (await import("./serve_command.ts")).serveCommand(ctx, opts))
    );
}

function commanderExit(e: CommanderError): number {
  if (
    e.code === "commander.helpDisplayed" || e.code === "commander.version" ||
    e.code === "commander.help"
  ) return EXIT.ok;
  if (e.code === "commander.executeSubCommandAsync") return EXIT.error;
  return EXIT.usage;
}
