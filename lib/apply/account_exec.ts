/**
 * The executor's reach into other accounts (actions with `user`, from services with `user =`):
 * which manager, quadlet folder and podman storage an action goes to is in the action; this only
 * maps the name to the adapters. Decides nothing.
 *
 * @module
 */
import type { HealthProbes } from "../adapters/health_probe.ts";
import type { Systemctl } from "../adapters/systemctl.ts";
import type { UnitFactsReader } from "../adapters/unit_facts.ts";
import type { AccountFiles } from "../adapters/user_manager.ts";
import { HoistError } from "../errors.ts";
import type { Action, PullAction } from "../reconcile/types.ts";
import { pullRunner, type PullSettings } from "./pull_images.ts";

/** The adapters acting for one account. */
export interface AccountExec {
  readonly systemctl: Systemctl;
  readonly files: Pick<AccountFiles, "write" | "remove">;
  /** Makes an immutable copy readable by the account and nobody else. */
  readonly shareCopy: (dir: string) => Promise<void>;
  /** Pulls into the account's storage (without it its pull actions fail, saying so). */
  readonly pull?: PullSettings;
  /** The health gate's unit facts from the account's manager. */
  readonly facts: UnitFactsReader;
  /** The health gate's probes: podman commands run as the account (http and tcp: the network). */
  readonly probes: HealthProbes;
}

/** What the executor needs for accounts. */
export interface AccountDeps {
  readonly systemctl: Systemctl;
  readonly pull?: PullSettings;
  /** The account's adapters; undefined when it is not known on this host. */
  readonly accountExec?: (user: string) => AccountExec | undefined;
}

/** The account's adapters, or an error naming it. */
export function accountOf(user: string, deps: AccountDeps): AccountExec {
  const exec = deps.accountExec?.(user);
  if (exec === undefined) {
    throw new HoistError(
      "command-failed",
      `account ${user} is not known here: cannot act for it`,
      `Check that ${user} exists and lingers (loginctl enable-linger ${user})`,
    );
  }
  return exec;
}

/** The systemctl of `user`'s manager, or hoist's own (undefined). */
export function systemctlOf(user: string | undefined, deps: AccountDeps): Systemctl {
  return user === undefined ? deps.systemctl : accountOf(user, deps).systemctl;
}

/**
 * `pullRunner` per storage: pull actions of each account (and hoist's own) are batched and run
 * with that storage's settings.
 */
export function accountPulls(
  actions: readonly Action[],
  deps: AccountDeps,
): (index: number) => Promise<string | undefined> {
  const runners = new Map<string | undefined, (index: number) => Promise<string | undefined>>();
  const hole: Action = { kind: "daemon-reload", waitFor: [], code: "units-changed", reason: "" };
  return (index) => {
    const a = actions[index];
    const user = a?.kind === "pull" ? (a as PullAction).user : undefined;
    let run = runners.get(user);
    if (run === undefined) {
      const mine = actions.map((x) => x.kind === "pull" && x.user === user ? x : hole);
      run = pullRunner(mine, user === undefined ? deps.pull : deps.accountExec?.(user)?.pull);
      runners.set(user, run);
    }
    return run(index);
  };
}

/**
 * A `show` that asks each unit's manager: the units of the plan's start, restart and stop actions
 * with a `user` go to that account's, all others to hoist's own.
 */
export function routedShow(
  actions: readonly Action[],
  deps: AccountDeps,
): Systemctl["show"] {
  const owner = new Map<string, string>();
  for (const a of actions) {
    if ((a.kind === "start" || a.kind === "restart" || a.kind === "stop") && a.user) {
      for (const u of a.units) owner.set(u, a.user);
    }
  }
  if (owner.size === 0) return (units) => deps.systemctl.show(units);
  return async (units) => {
    const by = new Map<string | undefined, string[]>();
    for (const u of units) {
      const user = owner.get(u);
      by.set(user, [...by.get(user) ?? [], u]);
    }
    const out = new Map();
    for (const [user, list] of [...by].sort(([a], [b]) => (a ?? "") < (b ?? "") ? -1 : 1)) {
      for (const [k, v] of await systemctlOf(user, deps).show(list)) out.set(k, v);
    }
    return out;
  };
}
