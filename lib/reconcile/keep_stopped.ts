/**
 * "Stop stays stopped": a service stopped through `hoist remote … stop` is left stopped by the
 * runs that follow, as the health breaker leaves a failed hash alone. Pure.
 *
 * @module
 */
import type { DesiredState } from "../desired/types.ts";
import { type Problem, problem } from "../errors.ts";
import { isCurrentHash } from "./service_state.ts";
import type { Plan } from "./types.ts";

/** What a stopped service does not do: start, nor what prepares or follows a start. */
const DROPPED: ReadonlySet<Plan["actions"][number]["kind"]> = new Set([
  "start",
  "restart",
  "pull",
  "run-script",
]);

/** A stop recorded by `hoist serve`'s remote API (`remote.db`'s `remote_stops`). */
export interface RecordedStop {
  readonly service: string;
  /** The service's content hash when it was stopped. */
  readonly hash: string;
  /** Who stopped it: `SHA256:… (comment)`. */
  readonly principal: string;
  /** ISO time of the stop. */
  readonly at: string;
}

/** What {@link keepStopped} decided. */
export interface StopVerdict {
  readonly plan: Plan;
  /** Stops in force: their service's desired hash is still the recorded one. */
  readonly kept: readonly RecordedStop[];
  /**
   * Stops a change lifted: the service's hash changed (a commit changed it) or it is no longer
   * desired. An apply clears their rows.
   */
  readonly lifted: readonly RecordedStop[];
}

/**
 * Takes out of `plan` the `start` and `restart` actions (and the restarts systemd would do with
 * them), and the image pulls and scripts that come with a start, of each service stopped through the remote API while its desired hash is the one
 * recorded with the stop; each such service is a warning saying who stopped it, when, and the way
 * out. Writes, removes and reloads stay: the files follow the repository, the units stay down. A
 * blocked service keeps its stop (nothing of it is planned); a service whose hash changed, or that
 * left the desired state, has its stop lifted.
 *
 * @example
 * ```ts
 * keepStopped(plan, desired, [{ service: "web", hash, principal: "SHA256:ab (ci)", at }]);
 * // web's start is gone; problems: "web: stopped by SHA256:ab (ci) at …; left stopped"
 * ```
 */
export function keepStopped(
  plan: Plan,
  desired: Pick<DesiredState, "services">,
  stops: readonly RecordedStop[],
): StopVerdict {
  const kept: RecordedStop[] = [];
  const lifted: RecordedStop[] = [];
  for (const stop of [...stops].sort((a, b) => a.service < b.service ? -1 : 1)) {
    const svc = desired.services.find((s) => s.name === stop.service);
    if (svc === undefined) lifted.push(stop);
    else if (svc.status === "blocked" || isCurrentHash(svc, stop.hash)) kept.push(stop);
    else lifted.push(stop);
  }
  if (kept.length === 0) return { plan, kept, lifted };
  const names = new Set(kept.map((s) => s.service));
  const problems: Problem[] = kept.map((s) =>
    problem("warning", `${s.service}: stopped by ${s.principal} at ${s.at}; left stopped`, {
      service: s.service,
      hint:
        `It stays stopped until a commit changes ${s.service} or \`hoist remote HOST ${s.service} start\``,
    })
  );
  const dropped = plan.actions.filter((a) =>
    DROPPED.has(a.kind) && "service" in a && a.service !== undefined && names.has(a.service)
  );
  const causes = new Set(dropped.flatMap((a) => "units" in a ? a.units : []));
  return {
    plan: {
      ...plan,
      actions: plan.actions.filter((a) => !dropped.includes(a)),
      // what systemd would restart with a dropped action, or restart of the stopped service
      consequences: plan.consequences.filter((c) =>
        !causes.has(c.cause) && !(c.kind === "restart" && names.has(c.service))
      ),
      problems: [...plan.problems, ...problems],
    },
    kept,
    lifted,
  };
}
