/**
 * {@link Read}: a value read from untrusted input, and the problems found reading it.
 *
 * @module
 */
import type { Problem } from "../errors.ts";

/**
 * What reading one part of a service gave, with the problems found along the way. Functions
 * return it instead of pushing into a caller's array: the caller concatenates `problems` in the
 * order it asks, and learns a part failed from `value` or from an error among `problems`, never by
 * counting an array it shares.
 *
 * `T` says what a failure looks like: `Read<UnitDraft | undefined>` has no value when the input
 * could not be read, `Read<UnitDraft[]>` an empty list.
 *
 * @example
 * ```ts
 * const none: Read<string | undefined> = { value: undefined, problems: [problem("error", "bad")] };
 * ```
 */
export interface Read<T> {
  /** What could be read. */
  readonly value: T;
  /** Errors and warnings, in the order found, each naming its file (and line, where known). */
  readonly problems: readonly Problem[];
}
