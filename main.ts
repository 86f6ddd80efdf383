/**
 * hoist: GitOps for Podman quadlets. Thin entry point: parse args → run command → exit code.
 * `hoist version` answers before anything else is loaded; every other command loads what it uses.
 *
 * @module
 */

if (import.meta.main) {
  const args = Deno.args;
  const enc = new TextEncoder();
  const out = (t: string) => Deno.stdout.writeSync(enc.encode(t));
  const err = (t: string) => Deno.stderr.writeSync(enc.encode(t));
  if (args.length === 1 && args[0] === "version") {
    out((await import("./lib/version.ts")).versionLine());
    Deno.exit(0);
  }
  let code = 1;
  try {
    code = await main(args, out, err);
  } catch (e) {
    // a bug: one line, no stack trace (--verbose shows it); nothing half-done is recorded
    err(`error: unexpected failure: ${e instanceof Error ? e.message : String(e)}\n`);
    if (args.includes("--verbose") || args.includes("-v")) {
      err(`${e instanceof Error ? e.stack : ""}\n`);
    }
    err("  hint: this is a bug in hoist; please report it with the command you ran\n");
  }
  Deno.exit(code);
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
