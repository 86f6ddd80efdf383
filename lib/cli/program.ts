/**
 * The command line: parse args, hand each command to its module (loaded only when used), map
 * errors to exit codes. No process exits here.
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { HoistError } from "../errors.ts";
import { versionLine } from "../version.ts";
import type { CliIo, CommandContext, DepsFactory } from "./context.ts";
import { addConvertCommand } from "./convert_command.ts";
import { EXIT, printError } from "./exit_codes.ts";
import { addOtherCommands } from "./register_inspect.ts";
import { addPlanCommands } from "./register_runs.ts";
import { addRemoteCommand } from "./register_remote.ts";
import { addServeCommand } from "./register_serve.ts";
import { addNotifyCommand } from "./register_notify.ts";
import { addHealthCommands } from "./register_health.ts";
import { addSetupCommands } from "./register_setup.ts";

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
  const program = new Command()
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
  addServeCommand(program, exec);
  addRemoteCommand(program, exec);
  addNotifyCommand(program, exec);
  addHealthCommands(program, exec);
  addConvertCommand(program, exec);
  addSetupCommands(program, exec);
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

function commanderExit(e: CommanderError): number {
  if (
    e.code === "commander.helpDisplayed" || e.code === "commander.version" ||
    e.code === "commander.help"
  ) return EXIT.ok;
  if (e.code === "commander.executeSubCommandAsync") return EXIT.error;
  return EXIT.usage;
}
