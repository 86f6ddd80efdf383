/**
 * The rollout decision applied to a plan: a plan with changes from a new commit waits outside the
 * host's windows, or while the commit is younger than `min_commit_age`. Pure.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { changeCount, type Plan } from "../reconcile/types.ts";
import { rolloutDecision, type RolloutPolicy } from "./rollout.ts";

/** A fetched source as the gate sees it: whether it brings something new, and its commits. */
export interface RolloutSource {
  readonly changed: boolean;
  readonly records: readonly {
    readonly source: string;
    readonly branch: string;
    readonly commit: string;
    /** Committer time (unix seconds) of a signed commit; absent for an unsigned one. */
    readonly committedAt?: number;
  }[];
}

/** What the run should do. */
export interface RolloutGate {
  /** The plan, with a warning when it waits (or when a commit's age cannot be known). */
  readonly plan: Plan;
  /** Set when nothing may be applied now: why, and when it would go (ISO), when known. */
  readonly waiting?: { readonly reason: string; readonly until?: string };
}

/**
 * Decides whether `plan` may be applied at `at`. Only a plan with changes from a changed source
 * waits (a run that only repairs the host, or has nothing to do, goes); `now` (`hoist apply
 * --now`) always goes. The commit judged by `min_commit_age` is the youngest of the changed
 * sources' tips; an unsigned one has no trusted date and is not held, with a warning saying so.
 *
 * @example
 * ```ts
 * const gate = rolloutGate(config.rollout, plan, fetched, deps.clock(), opts.now);
 * if (gate.waiting) return gate.plan; // apply nothing
 * ```
 */
export function rolloutGate(
  policy: RolloutPolicy,
  plan: Plan,
  sources: readonly RolloutSource[],
  at: Date,
  now: boolean,
): RolloutGate {
  const changed = sources.filter((s) => s.changed).flatMap((s) => s.records);
  if (now || plan.blocked || changeCount(plan) === 0 || changed.length === 0) return { plan };
  const problems: Problem[] = [];
  const dated = changed.flatMap((r) => r.committedAt === undefined ? [] : [r.committedAt]);
  if (policy.minCommitAgeMs > 0 && dated.length < changed.length) {
    const r = changed.find((x) => x.committedAt === undefined);
    problems.push(problem(
      "warning",
      `min_commit_age is not applied to ${r?.source} (branch ${r?.branch}) ${
        r?.commit.slice(0, 12)
      }: it is not signed, so its date is not known`,
      { hint: "Sign the commits ([trust] require_signed) for min_commit_age to hold them" },
    ));
  }
  const youngest = dated.length === 0 ? undefined : Math.max(...dated);
  const d = rolloutDecision(policy, at, youngest, false);
  if (d.go) return problems.length === 0 ? { plan } : withProblems(plan, problems);
  problems.push(problem("warning", d.reason, {
    hint: "Nothing is applied until then; `hoist apply --now` deploys now",
  }));
  return {
    ...withProblems(plan, problems),
    waiting: { reason: d.reason, ...(d.until === undefined ? {} : { until: d.until }) },
  };
}

function withProblems(plan: Plan, problems: readonly Problem[]): { plan: Plan } {
  return { plan: { ...plan, problems: [...plan.problems, ...problems] } };
}
