/**
 * Exit codes and how a failure prints.
 *
 * @module
 */
import { type HoistError, safeText } from "../errors.ts";
import type { CliIo } from "./context.ts";

/** Exit codes. */
export const EXIT = { ok: 0, error: 1, changes: 2, usage: 64 } as const;

/**
 * Prints `error: …` with its hint (lines after the first indented; control characters escaped,
 * since messages quote the repository, git and the host); returns the exit code for it.
 */
export function printError(io: Pick<CliIo, "err">, e: HoistError): number {
  const indented = (text: string) => safeText(text).replaceAll("\n", "\n  ");
  io.err(`error: ${indented(e.message)}\n${e.hint ? `  hint: ${indented(e.hint)}\n` : ""}`);
  return e.code === "usage" ? EXIT.usage : EXIT.error;
}
