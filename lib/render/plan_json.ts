/**
 * The machine-readable form of a {@link Plan}, printed by `hoist plan --json`.
 *
 * It says what will happen and why, never what is written: unit contents, previous file
 * contents, copied files and scripts are left out (they may hold secrets).
 *
 * @module
 */
import type { ProblemLevel } from "../errors.ts";
import {
  type Action,
  actionService,
  actionTarget,
  changeCount,
  type Consequence,
  type Plan,
} from "../reconcile/types.ts";

/** One action of {@link PlanJson}. */
export interface PlanJsonAction {
  readonly kind: Action["kind"];
  /** The service concerned; "" for daemon-reload, scripts and the host folder copy. */
  readonly service: string;
  /**
   * What the action acts on: the quadlet path (write, remove), the systemd units joined by a
   * space (start, restart, stop), the folder (copy), the folders joined by a space (prune), ""
   * (daemon-reload) or the phase `pre`/`post` (run-script).
   */
  readonly unit: string;
  /** Why, for display. */
  readonly reason: string;
  /** The account whose manager, folder or storage it acts on (`user =`); absent: hoist's own. */
  readonly user?: string;
}

/** One {@link Consequence} of {@link PlanJson}: a unit systemd restarts or stops by itself. */
export interface PlanJsonConsequence {
  readonly kind: Consequence["kind"];
  readonly unit: string;
  /** The service whose file generates the unit ("" when hoist does not know it). */
  readonly service: string;
  /** The unit whose restart or stop drags this one along. */
  readonly cause: string;
  /** `Requires`, `BindsTo` or `PartOf`. */
  readonly via: Consequence["via"];
  /** `restarted-by-systemd` or `stopped-by-systemd`. */
  readonly code: string;
  readonly reason: string;
}

/** One problem of {@link PlanJson}; `file` and `line` are null where unknown. */
export interface PlanJsonProblem {
  readonly level: ProblemLevel;
  readonly file: string | null;
  readonly line: number | null;
  readonly message: string;
  readonly hint?: string;
}

/** The JSON document of a plan: core fields first, then any extra fields the caller adds. */
export interface PlanJson {
  readonly revision: string;
  readonly host: string;
  readonly actions: readonly PlanJsonAction[];
  readonly problems: readonly PlanJsonProblem[];
  /** {@link changeCount} of the plan: actions that change the host (scripts excluded). */
  readonly changes: number;
  /** True when errors block the whole plan: nothing is applied. */
  readonly blocked: boolean;
  /** Per source: commit and signer per branch, and the trust verdict. */
  readonly sources: readonly {
    readonly name: string;
    readonly commits: Readonly<Record<string, string>>;
    readonly signers: Readonly<Record<string, string>>;
    readonly verdict: string;
    readonly rollback: { readonly from: string; readonly to: string } | null;
  }[];
  /** Units systemd restarts or stops with those the actions restart or stop, in plan order. */
  readonly consequences: readonly PlanJsonConsequence[];
  readonly [extra: string]: unknown;
}

/**
 * Converts a plan to its JSON document (a plain object; `JSON.stringify` it to print).
 *
 * `extra` adds fields after the core ones (for example `{ dryRun: true }`); it cannot replace a
 * core field.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(planJson(plan, { source: "/srv/gitops.git" }), null, 2));
 * // {"revision": "…", "host": "web", "actions": [{"kind": "write", "service": "web",
 * //   "unit": "gitops-web.container", "reason": "new unit"}, …], "problems": [],
 * //   "changes": 3, "blocked": false, "source": "/srv/gitops.git"}
 * ```
 */
export function planJson(plan: Plan, extra: Record<string, unknown> = {}): PlanJson {
  const core = {
    revision: plan.revision,
    host: plan.host,
    actions: plan.actions.map(actionJson),
    problems: plan.problems.map((p): PlanJsonProblem => ({
      level: p.level,
      file: p.file ?? null,
      line: p.line ?? null,
      message: p.message,
      ...(p.hint === undefined ? {} : { hint: p.hint }),
    })),
    changes: changeCount(plan),
    blocked: plan.blocked,
    sources: (plan.sources ?? []).map((v) => ({
      name: v.source,
      commits: v.commits,
      signers: v.signers,
      verdict: v.verdict,
      rollback: v.rollback ?? null,
    })),
    consequences: plan.consequences.map((c): PlanJsonConsequence => ({
      kind: c.kind,
      unit: c.unit,
      service: c.service,
      cause: c.cause,
      via: c.via,
      code: c.code,
      reason: c.reason,
    })),
  };
  return { ...core, ...extra, ...core };
}

function actionJson(a: Action): PlanJsonAction {
  const user = "user" in a ? a.user : undefined;
  return {
    kind: a.kind,
    service: actionService(a) ?? "",
    unit: actionTarget(a),
    reason: a.reason,
    ...(user === undefined ? {} : { user }),
  };
}
