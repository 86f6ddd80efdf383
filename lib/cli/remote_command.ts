/**
 * `hoist remote`: operate a service on a host running `hoist serve`, signed with an SSH key that
 * the host's repository authorises (see lib/remote/remote_client.ts). Needs no agent config.
 *
 * @module
 */
import { createFs } from "../adapters/fs.ts";
import { createRunner } from "../adapters/run_command.ts";
import { createSshSign } from "../adapters/ssh_sign.ts";
import { HoistError } from "../errors.ts";
import { runRemote } from "../remote/remote_client.ts";
import { parseTarget } from "../remote/remote_target.ts";
import type { CommandContext } from "./context.ts";

/** The options of remote. */
export interface RemoteCommandOptions {
  readonly identity?: string;
  readonly tail?: string;
  readonly since?: string;
  readonly json?: boolean;
}

/** A random nonce: 16 bytes, base64url. */
function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** Runs one remote operation; returns its exit code (0, 1, 3 unauthorised, 4 unreachable). */
export async function remoteCommand(
  { io }: CommandContext,
  args: readonly string[],
  opts: RemoteCommandOptions,
): Promise<number> {
  const target = parseTarget(args);
  let tail: number | undefined;
  if (opts.tail !== undefined) {
    tail = /^\d{1,6}$/.test(opts.tail) ? Number(opts.tail) : NaN;
    if (!Number.isInteger(tail) || tail < 1 || tail > 10_000) {
      throw new HoistError("usage", `--tail must be 1 to 10000, got ${JSON.stringify(opts.tail)}`);
    }
  }
  const run = createRunner();
  const result = await runRemote(
    {
      ssh: createSshSign(run, createFs()),
      fetch: (url, init) => fetch(url, init),
      env: io.ctx.env,
      nowMs: () => Date.now(),
      nonce,
    },
    target,
    {
      ...(opts.identity === undefined ? {} : { identity: opts.identity }),
      ...(tail === undefined ? {} : { tail }),
      ...(opts.since === undefined ? {} : { since: opts.since }),
      ...(opts.json ? { json: true } : {}),
    },
  );
  if (result.out !== "") io.out(result.out);
  if (result.err !== "") io.err(result.err);
  return result.code;
}
