/**
 * `hoist status`, `hoist render` and `hoist validate`: run, print, return the exit code.
 *
 * @module
 */
import { formatProblem } from "../errors.ts";
import { statusText } from "../render/status_table.ts";
import { runRender } from "../run/render_run.ts";
import { runStatus } from "../run/status_run.ts";
import { runValidate, VALIDATE_DEPS, type ValidateOptions } from "../run/validate_run.ts";
import { type CommandContext, loadConfig } from "./context.ts";
import { EXIT, printError } from "./exit_codes.ts";
import { printProblems } from "./plan_command.ts";

/** `hoist status [--json]`. */
export async function statusCommand(
  { io, globals, makeDeps }: CommandContext,
  opts: { json: boolean },
): Promise<number> {
  const config = await loadConfig(io, globals);
  const outcome = await runStatus(await makeDeps(config), config);
  if (!outcome.ok) return printError(io, outcome.error);
  const { revision, host, rows, problems } = outcome.value;
  if (opts.json) {
    io.out(JSON.stringify({ revision, host, services: rows }, null, 2) + "\n");
  } else io.out(statusText(rows, revision, host));
  printProblems(io, problems, !!globals.quiet);
  return problems.some((p) => p.level === "error") ? EXIT.error : EXIT.ok;
}

/** `hoist render SERVICE`. */
export async function renderCommand(
  { io, globals, makeDeps }: CommandContext,
  service: string,
): Promise<number> {
  const config = await loadConfig(io, globals);
  const outcome = await runRender(await makeDeps(config), config, service);
  if (!outcome.ok) return printError(io, outcome.error);
  for (const u of outcome.value.units) io.out(`# ${u.path}\n${u.content}\n`);
  printProblems(io, outcome.value.problems, false);
  return outcome.value.blocked ? EXIT.error : EXIT.ok;
}

/** `hoist validate [DIR]`. */
export async function validateCommand(
  { io, makeDeps }: CommandContext,
  opts: ValidateOptions & { json: boolean },
): Promise<number> {
  const outcome = await runValidate(await makeDeps(VALIDATE_DEPS), opts);
  if (!outcome.ok) return printError(io, outcome.error);
  const { hosts, problems } = outcome.value;
  if (opts.json) {
    const json = problems.map((p) => ({
      level: p.level,
      file: p.file ?? null,
      line: p.line ?? null,
      message: p.message,
      hint: p.hint ?? null,
    }));
    io.out(JSON.stringify({ hosts, problems: json }, null, 2) + "\n");
  } else {
    for (const p of problems) io.out(formatProblem(p) + "\n");
    const errors = problems.filter((p) => p.level === "error").length;
    io.out(
      errors === 0
        ? `OK: ${hosts.join(", ")} (${problems.length} warning(s))\n`
        : `${errors} error(s) in ${hosts.join(", ")}\n`,
    );
  }
  return problems.some((p) => p.level === "error") ? EXIT.error : EXIT.ok;
}
