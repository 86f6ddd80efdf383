/**
 * The node_exporter textfile a timer-run `hoist apply` writes (`--metrics-file PATH` or
 * `[metrics] textfile`): the gauges of `hoist serve`'s metrics for this one run, written
 * atomically so the collector never reads half a file. A run that fails keeps the previous file's
 * `hoist_last_success_timestamp_seconds`, so "no success for an hour" alerts work across runs. A
 * failure to write is a warning: it never changes what the apply did or its exit code.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { oneLine } from "../errors.ts";
import type { RunResult } from "../run/run_result.ts";
import type { Outcome } from "../run/outcome.ts";
import { Metrics } from "../server/metrics.ts";
import { runFacts } from "../server/run_facts.ts";

/** Writes the textfile for one run; returns a warning line when it could not. */
export async function writeMetricsTextfile(
  deps: Pick<Deps, "fs" | "clock">,
  path: string,
  config: Config,
  outcome: Outcome<RunResult>,
  seconds: number,
): Promise<string | undefined> {
  const metrics = new Metrics("textfile");
  const facts = runFacts(config, outcome);
  const previous = await deps.fs.readText(path).catch(() => undefined);
  const last = /^hoist_last_success_timestamp_seconds (\d+(?:\.\d+)?)$/m.exec(previous ?? "")?.[1];
  if (last !== undefined) metrics.lastSuccess(Number(last));
  metrics.run({ trigger: "cli", facts, seconds, at: deps.clock() });
  try {
    await deps.fs.writeAtomic(path, await metrics.text(), 0o644);
    return undefined;
  } catch (e) {
    return oneLine(`warning: cannot write the metrics textfile ${path}: ${(e as Error).message}`);
  }
}
