/**
 * What a failure blocks, as edges of the plan: for each action, the earlier actions that must
 * not have failed for it to run. The executor follows these edges and decides nothing else.
 * Pure.
 *
 * @module
 */
import { type Action, actionService } from "./types.ts";

/**
 * A failed config.yml pre.script or host copy leaves nothing safe to do (scripts would run in an
 * empty folder): everything after it needs it. A service's own script only blocks that service.
 */
function blocksAll(a: Action): boolean {
  return (a.kind === "run-script" && a.phase === "pre" && a.service === undefined) ||
    (a.kind === "copy" && a.scope === "host");
}

/**
 * For each action (by index), the indices of the earlier actions it needs: every earlier
 * pre.script and host copy, every earlier action of the same service, and, for a start or
 * restart, the daemon-reload of its manager (hoist's own, or its account's for `user`).
 *
 * @example
 * ```ts
 * actionNeeds([write("web"), reload, start("web")]); // [[], [], [0, 1]]
 * ```
 */
export function actionNeeds(actions: readonly Action[]): number[][] {
  const global: number[] = [];
  const byService = new Map<string, number[]>();
  const reloads = new Map<string | undefined, number>();
  return actions.map((a, i) => {
    const service = actionService(a);
    const own = service === undefined ? [] : byService.get(service) ?? [];
    const needs = [...global, ...own];
    const reload = a.kind === "start" || a.kind === "restart" ? reloads.get(a.user) : undefined;
    if (reload !== undefined) needs.push(reload);
    if (blocksAll(a)) global.push(i);
    if (service !== undefined) byService.set(service, [...own, i]);
    if (a.kind === "daemon-reload") reloads.set(a.user, i);
    return [...new Set(needs)].sort((x, y) => x - y);
  });
}
