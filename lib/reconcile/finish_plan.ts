/**
 * The plan as shown and applied: reconcile()'s plan plus what the run knows about trust and
 * validation. Pure.
 *
 * @module
 */
import { problem } from "../errors.ts";
import type { SourceVerdict } from "../trust/types.ts";
import type { Plan } from "./types.ts";

/** What the run adds to a plan. */
export interface PlanFacts {
  readonly requireSigned: boolean;
  readonly configFile: string;
  readonly verdicts: readonly SourceVerdict[];
  /** Whether the quadlet generator checked the units to be written (true when none are). */
  readonly validated: boolean;
  readonly dryRun: boolean;
}

/**
 * Adds the sources' verdicts, a warning when signature checks are off, and the generator's
 * absence: a warning in a dry run, an error that blocks the plan in a real apply (hoist never
 * writes units the generator did not check).
 */
export function finishPlan(plan: Plan, facts: PlanFacts): Plan {
  const unsigned = facts.requireSigned ? [] : [
    problem(
      "warning",
      "signature checks are off (require_signed = false): any commit pushed is deployed",
      {
        file: facts.configFile,
        hint: "List signing keys in [trust] and remove require_signed = false",
      },
    ),
  ];
  const unvalidatedWrites = !facts.validated && plan.actions.some((a) => a.kind === "write");
  const unvalidated = !unvalidatedWrites ? [] : [
    facts.dryRun
      ? problem("warning", "the quadlet generator was not found: units were not validated", {
        hint: "Install podman 4.4 or newer; apply refuses to write unvalidated units",
      })
      : problem(
        "error",
        "the quadlet generator was not found, so the units cannot be validated; nothing was changed",
        { hint: "Install podman 4.4 or newer, or set quadlet_bin in the config" },
      ),
  ];
  return {
    ...plan,
    problems: [...unsigned, ...plan.problems, ...unvalidated],
    sources: facts.verdicts,
    blocked: plan.blocked || (unvalidatedWrites && !facts.dryRun),
  };
}
