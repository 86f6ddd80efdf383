/**
 * Accounts services run as (`user =`, system mode): each exists, lingers and has subordinate
 * ids, as apply will require; the same judgement and fixes as the plan's ({@link accountProblem}).
 *
 * @module
 */
import { accountProblem } from "../desired/service_user.ts";
import { type AccountFact, type CheckResult, result } from "./types.ts";

/**
 * One result per account (its services named), in name order.
 *
 * @example
 * ```ts
 * checkAccounts([{ service: "web", user: "e2e", account }]); // [{id: "user e2e", level: "ok", …}]
 * ```
 */
export function checkAccounts(facts: readonly AccountFact[]): CheckResult[] {
  const byUser = new Map<string, AccountFact[]>();
  for (const f of facts) byUser.set(f.user, [...byUser.get(f.user) ?? [], f]);
  return [...byUser].sort(([a], [b]) => (a < b ? -1 : 1)).map(([user, list]) => {
    const services = [...new Set(list.map((f) => f.service))].sort().join(", ");
    const first = list[0];
    const found = first === undefined
      ? undefined
      : accountProblem(first.service, user, first.account);
    if (found === undefined) {
      return result(`user ${user}`, "ok", `exists and lingers (services ${services})`);
    }
    return result(
      `user ${user}`,
      found.level === "error" ? "error" : "warning",
      `${found.message.replace(/^services\.[^.]+\.user: /, "")} (services ${services})`,
      found.hint,
    );
  });
}
