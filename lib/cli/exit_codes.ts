/**
 * Exit codes and how a failure prints.
 *
 * @module
 */
import type { HoistError } from "../errors.ts";
import type { CliIo } from "./context.ts";

/** Exit codes. */
export const EXIT = { ok: 0, error: 1, changes: 2, usage: 64 } as const;

/** Prints `error: …` with its hint; returns the exit code for it. */
export function printError(io: Pick<CliIo, "err">, e: HoistError): number {
  io.err(`error: ${e.message}\n${e.hint ? `  hint: ${e.hint.replaceAll("\n", "\n  ")}\n` : ""}`);
  return e.code === "usage" ? EXIT.usage : EXIT.error;
}
