/**
 * Runs config.yml pre/post scripts with bash; the script travels on stdin, never in argv.
 *
 * @module
 */
import type { Runner } from "./run_command.ts";

/** Runs a script; resolves with its exit code and the tail of its output. */
export interface Scripts {
  run(
    script: string,
    cwd: string,
    env: Readonly<Record<string, string>>,
  ): Promise<{ code: number; output: string }>;
}

/** Creates the bash script runner. */
export function createScripts(run: Runner): Scripts {
  return {
    async run(script, cwd, env) {
      const r = await run({
        cmd: "bash",
        args: ["-euo", "pipefail", "-s"],
        stdin: script,
        cwd,
        env,
      });
      const output = (new TextDecoder().decode(r.stdout) + r.stderr).trim().split("\n").slice(-10)
        .join("\n");
      return { code: r.code, output };
    },
  };
}
