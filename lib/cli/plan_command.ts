/**
 * `hoist plan` and `hoist apply`: run once, print the plan (text, `--quiet` summary or JSON) and
 * what applying it did, control characters escaped on every path (the text plan escapes its own).
 *
 * @module
 */
import type { ApplyResult } from "../apply/apply_plan.ts";
import { formatProblem, HoistError, oneLine, type Problem, safeJson } from "../errors.ts";
import { changeCount } from "../reconcile/types.ts";
import { planJson } from "../render/plan_json.ts";
import { renderPlanText } from "../render/plan_text.ts";
import { runApply } from "../run/apply_run.ts";
import { mark } from "../trace.ts";
import { type CliIo, type CommandContext, loadCachedConfig } from "./context.ts";
import { EXIT, printError } from "./exit_codes.ts";

/** The options of plan and apply. */
export interface PlanCommandOptions {
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly detailed: boolean;
  readonly lockTimeout: number;
  readonly allowRollback: boolean;
  /** apply --adopt: rebuild ownership from unit files after a lost state DB. */
  readonly adopt?: boolean;
  /** apply --retry-failed: deploy these services' hashes although they failed health here. */
  readonly retryFailed?: readonly string[];
  /** apply --now: deploy outside the `[rollout]` windows and before `min_commit_age`. */
  readonly now?: boolean;
  /** apply --metrics-file: where to write the node_exporter textfile (over `[metrics] textfile`). */
  readonly metricsFile?: string;
}

/** Runs plan or apply; returns the exit code. */
export async function planCommand(
  { io, globals, makeDeps }: CommandContext,
  opts: PlanCommandOptions,
): Promise<number> {
  if (!Number.isFinite(opts.lockTimeout) || opts.lockTimeout < 0) {
    throw new HoistError(
      "usage",
      `--lock-timeout must be a number of seconds, got ${opts.lockTimeout}`,
    );
  }
  mark("command loaded");
  const loaded = await loadCachedConfig(io, globals);
  const config = loaded.config;
  mark(() => `config loaded (${loaded.hit ? "cache hit" : "parsed"})`);
  const deps = await makeDeps(config);
  mark("deps built");
  const started = performance.now();
  const outcome = await runApply(deps, config, {
    dryRun: opts.dryRun,
    lockTimeoutMs: opts.lockTimeout * 1000,
    allowRollback: opts.allowRollback,
    adopt: opts.adopt === true,
    ...(opts.retryFailed === undefined ? {} : { retryFailed: opts.retryFailed }),
    ...(opts.now === true ? { now: true } : {}),
  });
  mark("run finished");
  // an unchanged config is not parsed again by the next run (state_dir exists by now)
  await loaded.keep((path, text) => deps.fs.writeAtomic(path, text, 0o600));
  const textfile = opts.metricsFile ?? config.metrics.textfile;
  if (!opts.dryRun && textfile !== undefined) {
    const { writeMetricsTextfile } = await import("./metrics_textfile.ts");
    const seconds = (performance.now() - started) / 1000;
    const warning = await writeMetricsTextfile(deps, textfile, config, outcome, seconds);
    if (warning !== undefined) io.err(warning + "\n");
  }
  if (!opts.dryRun && config.notify.length > 0) {
    // loaded only when sinks are configured (nodemailer is not small); never changes the exit code
    const { notifyDeps, notifyRun } = await import("../notify/notify_run.ts");
    const report = await notifyRun(notifyDeps(deps, config), config, outcome, deps.clock());
    for (const d of report.deliveries) {
      if (d.result === "failed") {
        io.err(
          `warning: notify ${oneLine(d.sink)}: ${d.kind} not sent: ${oneLine(d.error ?? "")}\n`,
        );
      }
    }
  }
  if (!opts.dryRun && outcome.ok) {
    // [images] check_every: the auto services' scheduled update check, once it is due
    const { scheduledUpdateLines } = await import("./update_command.ts");
    const desired = outcome.value.desired;
    for (const l of await scheduledUpdateLines(deps, config, desired, opts.lockTimeout * 1000)) {
      io.err(l + "\n");
    }
  }
  mark("after-run steps done");
  if (!outcome.ok) return printError(io, outcome.error);
  const { plan, applied, waiting } = outcome.value;
  if (opts.json) {
    const extra = { ...resultJson(applied), ...(waiting === undefined ? {} : { waiting }) };
    io.out(safeJson(planJson(plan, extra)) + "\n");
  } else if (globals.quiet) {
    // errors and one summary line: what a timer's journal needs
    printProblems(io, plan.problems, true);
    const changes = changeCount(plan);
    const verb = applied ? "applied" : "pending";
    io.out(
      `hoist: ${changes === 0 ? "no changes" : `${changes} change(s) ${verb}`} at ${
        oneLine(plan.revision.slice(0, 40))
      }\n`,
    );
    if (applied?.failed) io.out(appliedText(applied));
    if (waiting !== undefined) io.out(`hoist: ${oneLine(waiting.reason)}\n`);
  } else {
    io.out(renderPlanText(plan, { color: io.color }));
    if (applied) io.out(appliedText(applied));
  }
  const errors = plan.problems.some((p) => p.level === "error");
  if (plan.blocked || errors || applied?.failed) return EXIT.error;
  if (opts.detailed && changeCount(plan) > 0) return EXIT.changes;
  return EXIT.ok;
}

/** Prints problems to stderr (only errors when `quiet`). */
export function printProblems(
  io: Pick<CliIo, "err">,
  problems: readonly Problem[],
  quiet: boolean,
): void {
  for (const p of problems) if (!quiet || p.level === "error") io.err(formatProblem(p) + "\n");
}

function resultJson(applied: ApplyResult | undefined): Record<string, unknown> {
  if (!applied) return {};
  return {
    applied: true,
    failed: applied.failed,
    results: applied.actions.map((a) => ({
      kind: a.kind,
      service: a.service,
      unit: a.unit,
      result: a.result,
      error: a.error ?? null,
    })),
  };
}

function appliedText(applied: ApplyResult): string {
  const lines = applied.actions.filter((a) => a.result !== "ok")
    .map((a) =>
      oneLine(
        `  ${a.result} ${a.kind} ${a.unit}${a.service ? ` (${a.service})` : ""}${
          a.error ? `: ${a.error}` : ""
        }`,
      )
    );
  const ok = applied.actions.filter((a) => a.result === "ok").length;
  return applied.failed
    ? `Apply finished with failures (${ok} of ${applied.actions.length} steps done):\n${
      lines.join("\n")
    }\n`
    : `Applied: ${ok} step(s) done.\n`;
}
