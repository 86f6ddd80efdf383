/**
 * `status`, `validate` and `render`: their options; the commands are loaded only when they run.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import type { Exec, Program } from "./registry.ts";

/** `status`, `validate` and `render`. */
export function addOtherCommands(program: Program, exec: Exec): void {
  const other = () => import("./other_commands.ts");
  program.command("status")
    .description(
      "per service: desired hash, running hash, container and unit state, last health verdict (or held back), last change",
    )
    .option("--json", "print JSON")
    .action((opts) =>
      exec(async (ctx) => (await other()).statusCommand(ctx, { json: !!opts.json }))
    );

  program.command("validate")
    .description(
      "offline check of a checkout: every problem with file:line (runs the quadlet generator if installed); with --config, joined with that agent config's [services.<name>] (health, user, urls) as a run joins them",
    )
    .argument("[dir]", "repository checkout", ".")
    .option("--host <host>", "check only this host's folder (default: every host)")
    .addOption(
      new Option("--layout <layout>", "how the repository is laid out").choices(
        ["host-folders", "services"] as const,
      ).default("host-folders" as const),
    )
    .option(
      "--path <path>",
      "folder holding the host folders (default gitops), or the service folders with --layout services (default services)",
    )
    .option("--json", "print problems as JSON")
    .action((dir, opts) =>
      exec(async (ctx) =>
        (await other()).validateCommand(ctx, {
          dir,
          layout: opts.layout,
          path: opts.path ?? (opts.layout === "services" ? "services" : "gitops"),
          json: !!opts.json,
          ...(opts.host === undefined ? {} : { host: opts.host }),
        })
      )
    );

  program.command("render")
    .description("print the unit files hoist would write for SERVICE")
    .argument("<service>", "service name as listed in config.yml")
    .action((service) => exec(async (ctx) => (await other()).renderCommand(ctx, service)));
}
