/**
 * The reverse proxy's reload command (`[proxy] reload`, e.g.
 * `["podman", "exec", "caddy", "caddy", "reload", "--config", "/etc/caddy/Caddyfile"]`), run as
 * an argv (no shell) after hoist wrote a changed snippet. A non-zero exit, or none within
 * {@link RELOAD_TIMEOUT_MS}, is an error carrying the tail of its stderr (Caddy says there what it
 * refused in the new configuration).
 *
 * @module
 */
import { checked, type Runner } from "./run_command.ts";

/** How long the reload may take. */
export const RELOAD_TIMEOUT_MS = 60_000;

/** Runs the reload command. */
export interface ProxyReload {
  /** Runs `argv`; throws a `CommandError` when it fails. */
  reload(argv: readonly string[]): Promise<void>;
}

/** Creates the adapter. */
export function createProxyReload(run: Runner): ProxyReload {
  return {
    async reload(argv) {
      const [cmd, ...args] = argv;
      if (cmd === undefined) return;
      await checked(
        run,
        { cmd, args, timeoutMs: RELOAD_TIMEOUT_MS },
        "Check [proxy] reload in the agent config, and the reverse proxy's own log",
      );
    },
  };
}
