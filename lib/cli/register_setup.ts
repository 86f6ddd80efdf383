/**
 * Setting a host up and checking it: `doctor`, `init` and `completions`; the commands are loaded
 * only when they run.
 *
 * @module
 */
import type { Exec, Program } from "./registry.ts";

/** Adds `doctor`, `init` and `completions` to `program`. */
export function addSetupCommands(program: Program, exec: Exec): void {
  program.command("doctor")
    .description(
      "check this host: config, folders, generator, podman, systemd, rootless set-up, sources and " +
        "signatures, key files, sops, clock, timer, state DB; each with its fix",
    )
    .option("--json", "print the checks as JSON")
    .action((opts) =>
      exec(async (ctx) =>
        (await import("./doctor_command.ts")).doctorCommand(ctx, { json: !!opts.json })
      )
    );
}
