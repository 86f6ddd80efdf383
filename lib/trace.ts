/**
 * Phase marks for finding where a run's time goes (`HOIST_TRACE=1 hoist apply`): main.ts turns
 * them on from the environment and prints them on stderr when the command returns. Off (the
 * default), a mark costs one comparison: nothing is recorded, read or printed.
 *
 * @module
 */

let marks: Array<readonly [string, number]> | undefined;

/** Starts recording marks (main.ts, when HOIST_TRACE is set). */
export function enableTrace(): void {
  marks = [];
}

/**
 * Records that `phase` was reached now; nothing when tracing is off (pass a function when the
 * label costs something to build: it is called only when tracing).
 */
export function mark(phase: string | (() => string)): void {
  if (marks !== undefined) {
    marks.push([typeof phase === "string" ? phase : phase(), performance.now()]);
  }
}

/**
 * The marks as lines: milliseconds since the runtime started, since the previous mark, and the
 * phase (none when tracing is off).
 *
 * @example
 * ```ts
 * enableTrace();
 * mark("config parsed");
 * traceLines(); // ["hoist-trace   41.2 ms   +41.2  config parsed"]
 * ```
 */
export function traceLines(): string[] {
  if (marks === undefined) return [];
  let prev = 0;
  return marks.map(([phase, at]) => {
    const line = `hoist-trace ${at.toFixed(1).padStart(6)} ms ${
      `+${(at - prev).toFixed(1)}`.padStart(7)
    }  ${phase}`;
    prev = at;
    return line;
  });
}
