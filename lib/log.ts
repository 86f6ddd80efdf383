/**
 * hoist's loggers (logtape). main.ts configures sinks and level; lib only logs.
 *
 * @module
 */
import { getLogger, type Logger } from "@logtape/logtape";

/** Logger for a part of hoist, e.g. `logger("apply")`. */
export function logger(part: string): Logger {
  return getLogger(["hoist", part]);
}
