/**
 * The real `hoist remote` client as its own process, for the remote tests (integration and e2e):
 * a clean environment (no ssh-agent unless `env` names one), no colours.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const dec = new TextDecoder();

/** What one `hoist remote` printed and its exit code. */
export interface RemoteRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `hoist remote ARGS` from this checkout; `env` is added to PATH, HOME and NO_COLOR. */
export async function runRemote(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RemoteRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}/main.ts`, "remote", ...args],
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      ...env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}
