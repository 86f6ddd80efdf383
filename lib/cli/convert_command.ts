/**
 * `hoist convert FILE [--project NAME] [--json]`: registered here so program.ts stays short; the
 * run is loaded only when the command runs.
 *
 * @module
 */
import { formatProblem, oneLine, type Problem, safeJson, safeText } from "../errors.ts";
import type { CommandContext } from "./context.ts";
import { EXIT, printError } from "./exit_codes.ts";
import type { Exec, Program } from "./registry.ts";

/** Adds `convert` to `program`. */
export function addConvertCommand(program: Program, exec: Exec): void {
  program.command("convert")
    .description(
      "print the quadlets hoist makes of one compose file (no repository needed): a migration aid",
    )
    .argument("<file>", "compose file (compose.yaml, docker-compose.yml, podman-compose.yml, …)")
    .option("--project <name>", "project name (default: the file's name:, else its folder's name)")
    .option("--json", "print the units and problems as JSON")
    .action((file, opts) =>
      exec((ctx) =>
        convertCommand(ctx, {
          file,
          json: !!opts.json,
          ...(opts.project === undefined ? {} : { project: opts.project }),
        })
      )
    );
}

/** `hoist convert FILE`: the units on stdout, problems on stderr (or both as JSON). */
export async function convertCommand(
  { io, makeDeps }: CommandContext,
  opts: { file: string; project?: string; json: boolean },
): Promise<number> {
  const mode = io.ctx.uid === 0 ? "system" : "user";
  const { runConvert } = await import("../run/convert_run.ts");
  const outcome = await runConvert(await makeDeps({ mode, quadletBin: undefined }), {
    file: opts.file,
    mode,
    ...(opts.project === undefined ? {} : { project: opts.project }),
  });
  if (!outcome.ok) return printError(io, outcome.error);
  const { project, units, problems } = outcome.value;
  if (opts.json) {
    io.out(
      safeJson({
        project: project ?? null,
        units: units.map((u) => ({ file: u.fileName, type: u.type, content: u.text })),
        problems: problems.map(problemJson),
      }) + "\n",
    );
  } else {
    for (const u of units) io.out(`# ${oneLine(u.fileName)}\n${safeText(u.text)}\n`);
    for (const p of problems) io.err(formatProblem(p) + "\n");
  }
  return problems.some((p) => p.level === "error") ? EXIT.error : EXIT.ok;
}

function problemJson(p: Problem) {
  return {
    level: p.level,
    file: p.file ?? null,
    line: p.line ?? null,
    message: p.message,
    hint: p.hint ?? null,
  };
}
