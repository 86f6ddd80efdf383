/**
 * `serve`: its options; the server is loaded only when it runs.
 *
 * @module
 */
import type { Exec, Program } from "./registry.ts";

/** Adds `serve` to `program`. */
export function addServeCommand(program: Program, exec: Exec): void {
  program.command("serve")
    .description("webhooks, metrics and scheduled reconciles until SIGTERM ([serve] in the config)")
    .option("--listen <address:port>", "override [serve] listen (default 127.0.0.1:9321)")
    .action((opts) =>
      exec(async (ctx) => (await import("./serve_command.ts")).serveCommand(ctx, opts))
    );
}
