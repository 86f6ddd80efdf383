/**
 * The only place hoist spawns processes: argv arrays, never a shell string.
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import { logger } from "../log.ts";

const log = logger("run");

/** What to run. */
export interface CommandSpec {
  readonly cmd: string;
  readonly args: readonly string[];
  /** Bytes or text written to the process's stdin (secrets travel this way, never in argv). */
  readonly stdin?: Uint8Array | string;
  readonly cwd?: string;
  /** Extra environment variables (added to hoist's own environment). */
  readonly env?: Readonly<Record<string, string>>;
  /** Stop the process (and fail with `output-too-large`) once stdout passes this many bytes. */
  readonly maxStdout?: number;
}

/** How it ended. A non-zero `code` is returned, not thrown; use {@link checked} to throw. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: Uint8Array;
  readonly stderr: string;
}

/** Runs one command. Tests pass recording fakes with the same shape. */
export type Runner = (spec: CommandSpec) => Promise<CommandResult>;

/** A command that exited non-zero. */
export class CommandError extends HoistError {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stderrTail: string;

  constructor(spec: CommandSpec, result: CommandResult, hint?: string) {
    const tail = result.stderr.trim().split("\n").slice(-5).join("\n");
    super(
      "command-failed",
      `${spec.cmd} ${spec.args.slice(0, 3).join(" ")} failed (exit ${result.code})${
        tail ? `: ${tail}` : ""
      }`,
      hint,
    );
    this.cmd = spec.cmd;
    this.args = spec.args;
    this.exitCode = result.code;
    this.stderrTail = tail;
  }
}

/** Creates the real runner. A missing program becomes a `tool-missing` error naming it. */
export function createRunner(): Runner {
  return async (spec) => {
    // argv never carries secrets (they travel on stdin), so it is safe to log
    log.debug("spawn {cmd} {args}", { cmd: spec.cmd, args: spec.args.join(" ") });
    const command = new Deno.Command(spec.cmd, {
      args: [...spec.args],
      stdin: spec.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      ...(spec.env === undefined ? {} : { env: { ...spec.env } }),
    });
    let child: Deno.ChildProcess;
    try {
      child = command.spawn();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new HoistError(
          "tool-missing",
          `${spec.cmd} is not installed or not on PATH`,
          `Install ${spec.cmd}`,
        );
      }
      throw e;
    }
    if (spec.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(
        typeof spec.stdin === "string" ? new TextEncoder().encode(spec.stdin) : spec.stdin,
      )
        .catch(() => {});
      await writer.close().catch(() => {});
    }
    if (spec.maxStdout === undefined) {
      const out = await child.output();
      return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
    }
    // Read stdout ourselves so a huge output never has to fit in memory.
    const stderr = new Response(child.stderr).text();
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = child.stdout.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > spec.maxStdout) {
        await reader.cancel().catch(() => {});
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
        await child.status;
        await stderr.catch(() => "");
        throw new HoistError(
          "output-too-large",
          `${spec.cmd} ${
            spec.args.slice(0, 3).join(" ")
          } printed more than ${spec.maxStdout} bytes; stopped it`,
        );
      }
      chunks.push(value);
    }
    const stdout = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      stdout.set(c, at);
      at += c.length;
    }
    return { code: (await child.status).code, stdout, stderr: await stderr };
  };
}

/** Runs `spec` and throws a {@link CommandError} on a non-zero exit. */
export async function checked(
  run: Runner,
  spec: CommandSpec,
  hint?: string,
): Promise<CommandResult> {
  const result = await run(spec);
  if (result.code !== 0) throw new CommandError(spec, result, hint);
  return result;
}
