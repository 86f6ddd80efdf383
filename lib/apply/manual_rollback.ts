/**
 * `hoist rollback SERVICE`: the same path as the gate's rollback, by hand. The revision comes
 * from {@link manualTarget}; the hash left is held back by the breaker like a failed one, so
 * the next apply does not deploy it again (a new commit or `--retry-failed` does).
 *
 * @module
 */
import type { Fs } from "../adapters/fs.ts";
import { HoistError } from "../errors.ts";
import { rolledBackInventory } from "../health/gate_plan.ts";
import { manualTarget, rollbackLine } from "../health/rollback_target.ts";
import type { HealthyRevision } from "../health/types.ts";
import type { HealthCheckRecord } from "../state/health_records.ts";
import type { Store } from "../state/store.ts";
import type { GateDeps } from "./gate_deps.ts";
import { rollBackTo } from "./roll_back_to.ts";

/** What `hoist rollback` did or would do. */
export interface ManualRollback {
  readonly service: string;
  readonly from: string;
  readonly to: HealthyRevision;
  /** The revisions that could be chosen, newest first. */
  readonly offered: readonly HealthyRevision[];
  readonly dryRun: boolean;
  readonly line: string;
  readonly check?: HealthCheckRecord;
  /** Why the rollback did not work (its units could not be written, it failed health). */
  readonly error?: string;
}

/** Rolls `service` back to `to` (default: its newest other healthy revision). */
export async function manualRollback(
  store: Store,
  deps: GateDeps & { readonly fs: Fs },
  opts: {
    readonly service: string;
    readonly to?: string;
    readonly dryRun: boolean;
    readonly quadletDir: string;
    readonly host: string;
  },
): Promise<ManualRollback> {
  const inv = store.loadInventory();
  const current = inv.services.get(opts.service);
  if (current === undefined) {
    throw new HoistError(
      "not-found",
      `hoist has not deployed a service ${JSON.stringify(opts.service)} on this host`,
      "See `hoist status` for the services hoist runs here",
    );
  }
  const healthy = store.healthyRevisions(opts.service);
  const present = new Set<string>();
  for (const h of healthy) {
    if (h.dir !== undefined && await deps.fs.exists(h.dir).catch(() => false)) present.add(h.dir);
  }
  const pick = manualTarget(current.hash, healthy, (d) => present.has(d), opts.to);
  if (pick.target === undefined) {
    const list = pick.offered.map((h) =>
      `${h.hash.slice(0, 12)} (${h.revision.slice(0, 12)}, ${h.at})`
    );
    throw new HoistError(
      "not-found",
      `${opts.service}: cannot roll back: ${pick.why ?? "no revision"}`,
      list.length > 0
        ? `Revisions offered: ${list.join(", ")}`
        : "Only revisions that passed health on this host, and whose copy still exists, can be restored",
    );
  }
  const to = pick.target;
  const reason = "rolled back by hand";
  const base = { service: opts.service, from: current.hash, to, offered: pick.offered };
  if (opts.dryRun) {
    return {
      ...base,
      dryRun: true,
      line: `would roll back ${current.hash.slice(0, 8)}… → ${to.hash.slice(0, 8)}…`,
    };
  }
  const paths = [...inv.units.values()].filter((u) => u.service === opts.service).map((u) =>
    u.path
  );
  const startedAt = deps.clock().toISOString();
  const [out] = await rollBackTo(
    [{
      c: {
        service: opts.service,
        hash: current.hash,
        revision: current.revision,
        units: current.serviceUnits,
        ...(current.user === undefined ? {} : { user: current.user }),
      },
      target: to,
      reason,
      failedPaths: paths,
    }],
    { quadletDir: opts.quadletDir, healthOf: () => undefined },
    deps,
  );
  const finishedAt = deps.clock().toISOString();
  const error = out?.error ?? (out?.check?.verdict === "unhealthy" ? out.check.reason : undefined);
  const line = rollbackLine(opts.service, current.hash, to.hash, reason);
  const deploymentId = store.recordDeployment({
    startedAt,
    finishedAt,
    host: opts.host,
    revision: to.revision,
    status: error === undefined ? "ok" : "failed",
    ...(error === undefined ? {} : { error }),
    actions: [{
      kind: "restart",
      service: opts.service,
      unit: to.serviceUnits.join(" "),
      reason: `rollback to ${to.hash.slice(0, 12)} by hand`,
      result: error === undefined ? "ok" : "failed",
      ...(error === undefined ? {} : { error }),
    }],
    inventory: out?.error === undefined
      ? rolledBackInventory(
        { upsertUnits: [], deleteUnits: [], upsertServices: [], deleteServices: [] },
        to,
        paths,
        finishedAt,
        current.user,
      )
      : { upsertUnits: [], deleteUnits: [], upsertServices: [], deleteServices: [] },
  });
  store.recordHealth(deploymentId, {
    checks: out?.check === undefined ? [] : [out.check],
    rollbacks: [{
      service: opts.service,
      fromHash: current.hash,
      toHash: to.hash,
      toRevision: to.revision,
      at: finishedAt,
      reason,
      result: error === undefined ? "rolled-back" : "failed",
    }],
    healthy: [],
    failed: [{ service: opts.service, hash: current.hash, at: finishedAt, reason }],
  });
  return {
    ...base,
    dryRun: false,
    line,
    ...(out?.check ? { check: out.check } : {}),
    ...(error === undefined ? {} : { error }),
  };
}
