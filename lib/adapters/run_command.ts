/**
 * The only place hoist spawns processes: argv arrays, never a shell string.
 *
 * @module
 */
import { HoistError, hostError } from "../errors.ts";
import { logger } from "../log.ts";
import { mark } from "../trace.ts";

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
  /**
   * Stop the process and everything it started (it runs in its own process group: SIGTERM, then
   * SIGKILL after {@link KILL_GRACE_MS}) and fail with a {@link CommandTimeout} once it has run
   * this long.
   */
  readonly timeoutMs?: number;
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

/** A command stopped because it ran longer than its `timeoutMs`. */
export class CommandTimeout extends HoistError {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;

  constructor(spec: CommandSpec, timeoutMs: number) {
    super(
      "command-failed",
      `${commandName(spec)} timed out after ${timeoutMs / 1000} s; stopped it`,
    );
    this.cmd = spec.cmd;
    this.args = spec.args;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The program and its sub-command, for messages: `git fetch`, `podman ps` (git's `-C DIR` and
 * `-c KEY=VALUE` are skipped with their values; nothing else of argv is shown).
 *
 * @example
 * ```ts
 * commandName({ cmd: "git", args: ["-C", "/c", "-c", "a=b", "fetch", "--quiet"] }); // "git fetch"
 * ```
 */
export function commandName(spec: Pick<CommandSpec, "cmd" | "args">): string {
  const prog = spec.cmd.slice(spec.cmd.lastIndexOf("/") + 1);
  const sub = spec.args.find((a, i) =>
    !a.startsWith("-") && spec.args[i - 1] !== "-C" && spec.args[i - 1] !== "-c"
  );
  return sub === undefined ? prog : `${prog} ${sub}`;
}

/** How long a timed-out process group gets between SIGTERM and SIGKILL (git removes its locks). */
export const KILL_GRACE_MS = 2_000;

/** Why a command was stopped before it ended by itself. */
type Stop = "timeout" | "too-large";

/** Creates the real runner. A missing program becomes a `tool-missing` error naming it. */
export function createRunner(): Runner {
  return async (spec) => {
    // argv never carries secrets (they travel on stdin), so it is safe to log
    log.debug("spawn {cmd} {args}", { cmd: spec.cmd, args: spec.args.join(" ") });
    mark(() => `spawn ${commandName(spec)}`);
    const group = spec.timeoutMs !== undefined;
    const command = new Deno.Command(spec.cmd, {
      args: [...spec.args],
      stdin: spec.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      ...(spec.env === undefined ? {} : { env: { ...spec.env } }),
      // its own process group, so a timeout also stops what it started (git remote-https, ssh)
      ...(group ? { detached: true } : {}),
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
      // not executable, argument list too long, out of memory or processes: one clear error
      throw hostError(
        "command-failed",
        `cannot run ${spec.cmd} (${spec.args.length} arguments)`,
        spec.cmd,
        e,
        `Check that ${spec.cmd} is an executable program`,
      );
    }
    const signal = (sig: Deno.Signal) => {
      try {
        if (group) Deno.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        // already gone
      }
    };
    let stop!: (why: Stop) => void;
    const stopped = new Promise<Stop>((resolve) => (stop = resolve));
    const timer = spec.timeoutMs === undefined
      ? undefined
      : setTimeout(() => stop("timeout"), spec.timeoutMs);
    const stdout = child.stdout.getReader();
    const stderr = child.stderr.getReader();
    const finished = Promise.all([
      readAll(stdout, spec.maxStdout, () => stop("too-large")),
      readAll(stderr),
      child.status,
      writeStdin(child, spec.stdin),
    ]);
    finished.catch(() => {}); // awaited below, unless the command is stopped first
    try {
      const outcome = await Promise.race([finished, stopped]);
      if (typeof outcome !== "string") {
        const [out, err, status] = outcome;
        if (out !== undefined) {
          mark(() => `exit ${commandName(spec)}`);
          return { code: status.code, stdout: out, stderr: new TextDecoder().decode(err) };
        }
      }
      const why = typeof outcome === "string" ? outcome : "too-large";
      await terminate(child, signal, why === "timeout", [stdout, stderr]);
      if (why === "timeout") throw new CommandTimeout(spec, spec.timeoutMs!);
      throw new HoistError(
        "output-too-large",
        `${commandName(spec)} printed more than ${spec.maxStdout} bytes; stopped it`,
      );
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Stops a running child: SIGTERM first when `gently` (git cleans up its lock files), SIGKILL after
 * {@link KILL_GRACE_MS} or at once otherwise; stops reading its output (a process that escaped its
 * group may hold the pipes open) and waits for the child itself.
 */
async function terminate(
  child: Deno.ChildProcess,
  signal: (sig: Deno.Signal) => void,
  gently: boolean,
  readers: ReadableStreamDefaultReader<Uint8Array>[],
): Promise<void> {
  if (gently) {
    signal("SIGTERM");
    let grace: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      child.status.then(() => true),
      new Promise<false>((resolve) => (grace = setTimeout(() => resolve(false), KILL_GRACE_MS))),
    ]);
    clearTimeout(grace);
    if (!exited) signal("SIGKILL");
  } else {
    signal("SIGKILL");
  }
  await Promise.all(readers.map((r) => r.cancel().catch(() => {})));
  await child.status;
}

/**
 * Reads a stream to its end into one array. Past `max` bytes it stops holding data, calls
 * `onOverflow` and resolves `undefined`, so a huge output never has to fit in memory.
 */
async function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  max?: number,
  onOverflow?: () => void,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (max !== undefined && size > max) {
      onOverflow?.();
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** Writes `stdin` to the child and closes it; a child that exits without reading is fine. */
async function writeStdin(child: Deno.ChildProcess, stdin: CommandSpec["stdin"]): Promise<void> {
  if (stdin === undefined) return;
  const writer = child.stdin.getWriter();
  await writer.write(typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin)
    .catch(() => {});
  await writer.close().catch(() => {});
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
