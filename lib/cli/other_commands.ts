/**
 * `hoist status`, `hoist render` and `hoist validate`: run, print, return the exit code. What
 * they print quotes the repository, so control characters are escaped on every path (text and
 * JSON).
 *
 * @module
 */
import { formatProblem, oneLine, safeJson, safeText } from "../errors.ts";
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
    io.out(safeJson({ revision, host, services: rows }) + "\n");
  } else io.out(safeText(statusText(rows, revision, host)));
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
  // the repository's text, with control characters shown as \xNN (never sent to the terminal)
  for (const u of outcome.value.units) io.out(`# ${oneLine(u.path)}\n${safeText(u.content)}\n`);
  printProblems(io, outcome.value.problems, false);
  return outcome.value.blocked ? EXIT.error : EXIT.ok;
}

/** `hoist validate [DIR]` (with `--config FILE`, joined with its `[services.<name>]`). */
export async function validateCommand(
  { io, globals, makeDeps }: CommandContext,
  opts: ValidateOptions & { json: boolean },
): Promise<number> {
  // only an agent config named by --config: validate checks a checkout, not this machine's setup;
  // read as the root agent would (mode unset: system), since a checkout is checked anywhere
  const config = globals.config === undefined
    ? undefined
    : await loadConfig(io, globals, { ...io.ctx, uid: 0 });
  const agent = config === undefined ? {} : {
    agent: { file: config.file, host: opts.host ?? config.host, services: config.services },
  };
  const outcome = await runValidate(await makeDeps(VALIDATE_DEPS), { ...opts, ...agent });
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
    io.out(safeJson({ hosts, problems: json }) + "\n");
  } else {
    for (const p of problems) io.out(formatProblem(p) + "\n");
    const errors = problems.filter((p) => p.level === "error").length;
    const names = hosts.map(oneLine).join(", ");
    io.out(
      errors === 0
        ? `OK: ${names} (${problems.length} warning(s))\n`
        : `${errors} error(s) in ${names}\n`,
    );
  }
  return problems.some((p) => p.level === "error") ? EXIT.error : EXIT.ok;
}
