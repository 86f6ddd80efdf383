/**
 * hoist: GitOps for Podman quadlets. Thin entry point: parse args → run command → exit code.
 * `hoist version` answers before anything but lib/errors.ts (for the last-resort handler) is
 * loaded; every other command loads what it uses.
 *
 * @module
 */
import { HoistError, oneLine, osErrorCode, osErrorHint } from "./lib/errors.ts";
import { enableTrace, mark, traceLines } from "./lib/trace.ts";

if (import.meta.main) {
  const args = Deno.args;
  const enc = new TextEncoder();
  const out = (t: string) => Deno.stdout.writeSync(enc.encode(t));
  const err = (t: string) => Deno.stderr.writeSync(enc.encode(t));
  if (args.length === 1 && args[0] === "version") {
    out((await import("./lib/version.ts")).versionLine());
    Deno.exit(0);
  }
  const verbose = args.includes("--verbose") || args.includes("-v");
  if (tracing()) enableTrace();
  mark("main started");
  // the last resort: anything thrown that no command turned into an error message, awaited or
  // not, is one line on stderr and exit 1 (--verbose adds the stack); nothing half-done is recorded
  const fail = (e: unknown): never => {
    err(lastResort(e, verbose));
    Deno.exit(1);
  };
  globalThis.addEventListener("unhandledrejection", (ev) => {
    ev.preventDefault();
    fail(ev.reason);
  });
  globalThis.addEventListener("error", (ev) => {
    ev.preventDefault();
    fail(ev.error);
  });
  let code = 1;
  try {
    code = await main(args, out, err);
  } catch (e) {
    fail(e);
  }
  mark("done");
  for (const line of traceLines()) err(`${line}\n`);
  Deno.exit(code);
}

/** HOIST_TRACE set (and not empty): print phase marks on stderr at the end (lib/trace.ts). */
function tracing(): boolean {
  try {
    return (Deno.env.get("HOIST_TRACE") ?? "") !== "";
  } catch {
    return false; // no --allow-env
  }
}

/**
 * The one line printed for an error nothing else handled: the runtime's or SQLite's words with a
 * hint fitting the cause when it is the host's (a full disk, no permission…; the path is the one
 * the runtime quoted), else a bug report request; control characters escaped. With `verbose` the
 * stack follows.
 */
function lastResort(e: unknown, verbose: boolean): string {
  const message = e instanceof Error ? e.message : String(e);
  const stack = verbose && e instanceof Error && e.stack ? `${e.stack}\n` : "";
  const bug = "this is a bug in hoist; please report it with the command you ran";
  const code = osErrorCode(e);
  const path = /'([^']+)'[^']*$/.exec(message)?.[1] ?? "the path named";
  const hint = e instanceof HoistError
    ? e.hint ?? "see the message"
    : code === undefined
    ? bug
    : osErrorHint(code, path, bug);
  const what = code === undefined && !(e instanceof HoistError) ? "unexpected failure: " : "";
  return `error: ${oneLine(`${what}${message} (hint: ${hint})`)}\n${stack}`;
}

async function main(
  args: readonly string[],
  out: (t: string) => void,
  err: (t: string) => void,
): Promise<number> {
  const [{ configure, getStreamSink }, { runCli }] = await Promise.all([
    import("@logtape/logtape"),
    import("./lib/cli/program.ts"),
  ]);
  mark("cli loaded");
  const level = args.includes("--verbose") || args.includes("-v")
    ? "debug"
    : args.includes("--quiet") || args.includes("-q")
    ? "error"
    : "warning";
  await configure({
    // logs go to stderr, so `--verbose plan --json` still prints clean JSON on stdout
    sinks: { console: getStreamSink(Deno.stderr.writable) },
    loggers: [
      { category: ["hoist"], lowestLevel: level, sinks: ["console"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: ["console"] },
    ],
  });
  mark("logging configured");
  let hostname = "localhost";
  try {
    hostname = Deno.hostname();
  } catch {
    // no --allow-sys=hostname: keep the default; `host` in the config overrides it anyway
  }
  return await runCli(args, {
    out,
    err,
    color: Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR"),
    ctx: {
      hostname,
      uid: Deno.uid() ?? 0,
      home: Deno.env.get("HOME") ?? "/",
      env: Deno.env.toObject(),
    },
    readFile: (p) =>
      Deno.readTextFile(p).catch((e) => {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }),
  });
}
