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

  program.command("init")
    .description(
      "set this host up: config.toml, deploy key, pinned known_hosts, allowed_signers, hoist.service " +
        "+ hoist.timer, linger (rootless); then hoist doctor and hoist plan",
    )
    .option("--rootless", "containers of this user (systemctl --user; the default unless root)")
    .option("--rootful", "system containers (the system manager; the default as root)")
    .option("--repo <url>", "the Git repository (ssh, https, git://, file:// or a path)")
    .option("--branch <branch>", "the branch to deploy (default main)")
    .option("--host <name>", "this host's folder, gitops/<host>/ (default: the hostname)")
    .option(
      "--signer <file...>",
      "public key of who may sign: ssh .pub file or gpg --export --armor output",
    )
    .option("--serve", "also install hoist-serve.service (push deploys)")
    .option("-y, --yes", "ask nothing: take the flags and the defaults")
    .option("--force", "overwrite files that exist with other content")
    .action((opts) =>
      exec(async (ctx) => (await import("./init_command.ts")).initCommand(ctx, opts))
    );

  program.command("completions")
    .description("print a shell completion script: hoist completions bash|zsh|fish")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      "\nInstall: hoist completions bash > /etc/bash_completion.d/hoist; for zsh a file _hoist on " +
        "$fpath; for fish ~/.config/fish/completions/hoist.fish",
    )
    .action((shell) =>
      exec(async (ctx) =>
        (await import("./completions_command.ts")).completionsCommand(ctx, shell, program)
      )
    );
}
