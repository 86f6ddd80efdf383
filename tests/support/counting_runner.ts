/**
 * A runner wrapper for tests: records every command hoist spawns, for "a no-op spawns at most N
 * processes" checks.
 *
 * @module
 */
import type { CommandSpec, Runner } from "../../lib/adapters/run_command.ts";

/** Wraps a runner to record every spec it runs, in order. */
export function countingRunner(inner: Runner): { run: Runner; calls: CommandSpec[] } {
  const calls: CommandSpec[] = [];
  return {
    calls,
    run: (spec) => {
      calls.push(spec);
      return inner(spec);
    },
  };
}
