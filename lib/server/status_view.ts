/**
 * {@link statusView}: what `GET /` and `GET /status.json` show, as plain data built from the last
 * run. Pure. Nothing here is observed afresh: service states are those the last run observed
 * before it applied, next to what it did to each service.
 *
 * @module
 */
import { formatProblem, type HoistError } from "../errors.ts";
import { statusRows } from "../render/status_table.ts";
import type { RunResult } from "../run/run_result.ts";
import type { RunView } from "./run_queue.ts";

/** One source branch: its commit, who signed it and how it was judged. */
export interface SourceLine {
  readonly source: string;
  readonly branch: string;
  readonly commit: string;
  readonly signer: string;
  readonly verdict: string;
}

/** One service. */
export interface ServiceLine {
  readonly service: string;
  readonly state: string;
  readonly desiredHash: string;
  readonly runningHash: string;
  readonly inSync: boolean;
  readonly lastChange: string;
  /** What the last run did to it: `restart ok`, `start failed`… ("" when nothing). */
  readonly lastRun: string;
}

/** The status page's data. */
export interface StatusView {
  readonly host: string;
  readonly generatedAt: string;
  /** When the run the rest comes from finished, and its id. */
  readonly observedAt: string | null;
  readonly revision: string | null;
  readonly sources: readonly SourceLine[];
  readonly services: readonly ServiceLine[];
  /** Problems of the last plan, or the error that stopped the last run; `text` starts with the level. */
  readonly problems: readonly { readonly level: string; readonly text: string }[];
  readonly runs: readonly RunView[];
}

/** The last run's result or error, with when it finished. */
export interface LastRun {
  readonly at: string;
  readonly result?: RunResult;
  readonly error?: HoistError;
}

/**
 * The view of `host` after `last` (the last run that produced a plan), `failed` (a later run that
 * stopped before one) and the recent `runs`.
 */
export function statusView(
  host: string,
  last: LastRun | undefined,
  runs: readonly RunView[],
  now: Date,
): StatusView {
  const r = last?.result;
  const problems = [
    ...(last?.error === undefined ? [] : [{
      level: "error",
      text: `error: ${last.error.message}${last.error.hint ? ` (${last.error.hint})` : ""}`,
    }]),
    ...(r?.plan.problems ?? []).map((p) => ({ level: p.level, text: formatProblem(p) })),
  ];
  return {
    host,
    generatedAt: now.toISOString(),
    observedAt: last?.at ?? null,
    revision: r?.plan.revision ?? null,
    sources: r === undefined ? [] : sourceLines(r),
    services: r === undefined ? [] : serviceLines(r),
    problems,
    runs,
  };
}

function sourceLines(r: RunResult): SourceLine[] {
  return r.fetched.flatMap((f) =>
    Object.entries(f.verdict.commits).map(([branch, commit]) => ({
      source: f.verdict.source,
      branch,
      commit,
      signer: f.verdict.signers[branch] ?? "",
      verdict: f.verdict.verdict,
    }))
  );
}

function serviceLines(r: RunResult): ServiceLine[] {
  const done = new Map<string, string[]>();
  for (const rec of r.applied?.actions ?? []) {
    if (rec.service === "" || ["write", "copy", "prune"].includes(rec.kind)) continue;
    done.set(rec.service, [...(done.get(rec.service) ?? []), `${rec.kind} ${rec.result}`]);
  }
  const stopped = new Map((r.stopped ?? []).map((s) => [s.service, s]));
  return statusRows(r.desired, r.observed).map((row) => ({
    service: row.service,
    // stopped through the remote API and left so: who did it
    state: stopped.has(row.service)
      ? `${row.state}, stopped by ${stopped.get(row.service)?.principal}`
      : row.state,
    desiredHash: row.desiredHash,
    runningHash: row.runningHash,
    inSync: row.inSync,
    lastChange: row.lastChange,
    lastRun: [...new Set(done.get(row.service) ?? [])].join(", "),
  }));
}
