/**
 * hoist: GitOps for Podman quadlets. Thin entry point: parse args → run command → exit code.
 *
 * @module
 */
import { configure, getStreamSink } from "@logtape/logtape";
import { runCli } from "./lib/cli/program.ts";

if (import.meta.main) {
  const args = Deno.args;
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
  const enc = new TextEncoder();
  let hostname = "localhost";
  try {
    hostname = Deno.hostname();
  } catch {
    // no --allow-sys=hostname: keep the default; `host` in the config overrides it anyway
  }
  const code = await runCli(args, {
    out: (t) => Deno.stdout.writeSync(enc.encode(t)),
    err: (t) => Deno.stderr.writeSync(enc.encode(t)),
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
  Deno.exit(code);
}
