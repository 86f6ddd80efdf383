/**
 * A blocked service: nothing of it is written, started or stopped; its problems say why.
 *
 * @module
 */
import type { Problem } from "../errors.ts";
import type { DesiredService } from "./types.ts";

/** `service` with no units, files or hash, and `problems` added to its own. */
export function blockService(service: DesiredService, ...problems: Problem[]): DesiredService {
  return {
    ...service,
    hash: "",
    dir: "",
    units: [],
    files: [],
    inputs: {},
    problems: [...service.problems, ...problems],
  };
}
