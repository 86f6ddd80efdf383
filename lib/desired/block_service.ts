/**
 * A blocked service: nothing of it is written, started or stopped; its problems say why.
 *
 * @module
 */
import type { Problem } from "../errors.ts";
import type { BlockedService, DesiredService } from "./types.ts";

/** `service` blocked, with `problems` added to its own. */
export function blockService(service: DesiredService, ...problems: Problem[]): BlockedService {
  return {
    status: "blocked",
    name: service.name,
    dependsOn: service.dependsOn,
    problems: [...service.problems, ...problems],
  };
}
