/**
 * What command registrations share: the program they add to and the runner of their action.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CommandContext } from "./context.ts";

/** The program a registration adds its commands to. */
// deno-lint-ignore no-explicit-any
export type Program = Command<any, any, any>;

/** Runs a command with the context of this invocation and keeps its exit code. */
export type Exec = (command: (ctx: CommandContext) => Promise<number>) => Promise<void>;
