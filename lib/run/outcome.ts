/**
 * What a run function returns: its value, or the error that stopped it. Runs return outcomes
 * rather than throw, so the CLI and the server handle failures the same way.
 *
 * @module
 */
import { HoistError } from "../errors.ts";

/** A value, or the HoistError that prevented it. */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: HoistError };

/** Runs `fn`; a thrown HoistError becomes a failed outcome (anything else is a bug and rethrown). */
export async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof HoistError) return { ok: false, error: e };
    throw e;
  }
}
