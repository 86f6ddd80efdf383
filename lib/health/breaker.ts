/**
 * The circuit breaker: a (service, hash) that failed health on this host is not deployed again
 * by itself. Pure.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { actionService, type Plan } from "../reconcile/types.ts";
import type { FailedHash } from "./types.ts";

/** A service kept at its running revision by the breaker. */
export interface HeldBack {
  readonly service: string;
  readonly hash: string;
  readonly at: string;
  readonly reason: string;
}

/**
 * Takes out of `plan` every action, consequence and inventory change of a service whose desired
 * hash failed health here (`failed`), unless the user asked to retry it (`retry`); each held-back
 * service is a warning naming the way out. A daemon-reload left with no write or remove goes too.
 *
 * @example
 * ```ts
 * holdBack(plan, [{ service: "web", hash: "3f2a", at, reason: "http 503 after 3 tries" }], []);
 * // web's actions are gone; problems: "web: held back: hash 3f2a failed health at …"
 * ```
 */
export function holdBack(
  plan: Plan,
  failed: readonly FailedHash[],
  retry: readonly string[],
): { plan: Plan; held: HeldBack[] } {
  const held: HeldBack[] = [];
  for (const change of plan.inventory) {
    if (change.record === null || retry.includes(change.service)) continue;
    const f = failed.find((x) => x.service === change.service && x.hash === change.record?.hash);
    if (f !== undefined) {
      held.push({ service: f.service, hash: f.hash, at: f.at, reason: f.reason });
    }
  }
  if (held.length === 0) return { plan, held };
  const names = new Set(held.map((h) => h.service));
  let actions = plan.actions.filter((a) => !names.has(actionService(a) ?? ""));
  if (!actions.some((a) => a.kind === "write" || a.kind === "remove")) {
    actions = actions.filter((a) => a.kind !== "daemon-reload" || a.code === "reload-pending");
  }
  const problems: Problem[] = held.map((h) =>
    problem(
      "warning",
      `${h.service}: held back: hash ${h.hash.slice(0, 12)} failed health at ${h.at} (${h.reason})`,
      {
        service: h.service,
        hint: `Fix it in a new commit or run \`hoist apply --retry-failed ${h.service}\``,
      },
    )
  );
  return {
    plan: {
      ...plan,
      actions,
      consequences: plan.consequences.filter((c) => !names.has(c.service)),
      inventory: plan.inventory.filter((c) => !names.has(c.service)),
      problems: [...plan.problems, ...problems],
    },
    held,
  };
}
