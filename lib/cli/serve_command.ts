/**
 * `hoist serve`: runs the server until SIGTERM/SIGINT (see lib/server/serve.ts).
 *
 * @module
 */
import { parseListen } from "../config/serve_config.ts";
import { HoistError } from "../errors.ts";
import { serve } from "../server/serve.ts";
import { type CommandContext, loadConfig } from "./context.ts";
import { EXIT } from "./exit_codes.ts";

/** The options of serve. */
export interface ServeCommandOptions {
  /** Overrides `[serve] listen`. */
  readonly listen?: string;
}

/** Serves until stopped; returns the exit code (0 after a graceful stop). */
export async function serveCommand(
  { io, globals, makeDeps }: CommandContext,
  opts: ServeCommandOptions,
): Promise<number> {
  const config = await loadConfig(io, globals);
  let serveConfig = config.serve;
  if (opts.listen !== undefined) {
    const at = parseListen(opts.listen);
    if (at === undefined) {
      throw new HoistError(
        "usage",
        `--listen must be address:port, got ${JSON.stringify(opts.listen)}`,
        'e.g. --listen 127.0.0.1:9321 or --listen "[::1]:9321"',
      );
    }
    serveConfig = { ...serveConfig, ...at };
  }
  const deps = await makeDeps(config);
  await serve(deps, config, serveConfig, {
    signals: true,
    onListen: ({ hostname, port }) => {
      const scheme = serveConfig.tls === undefined ? "http" : "https";
      const host = hostname.includes(":") ? `[${hostname}]` : hostname;
      io.err(
        `hoist serve: listening on ${scheme}://${host}:${port} (webhooks ${
          serveConfig.webhookSecretFile === undefined ? "off: no webhook_secret_file" : "on"
        }, reconcile ${
          serveConfig.intervalMs === 0
            ? "on webhooks only"
            : `every ${serveConfig.intervalMs / 1000}s`
        })\n`,
      );
    },
  });
  io.err("hoist serve: stopped\n");
  return EXIT.ok;
}
