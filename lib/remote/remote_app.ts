/**
 * {@link remoteApp}: the {@link RemoteApp} of `hoist serve`, built from the adapters and the last
 * run. The keys, the services and their units come from the last run whose sources fetched and
 * verified (its `fetched[].trees` and desired state); before the first such run only
 * `[remote] admin_keys` authorise anything and no service exists.
 *
 * A service's account (`user =`) is the deployed commit's, checked against that run's inventory: a
 * service the inventory records for another manager (the run refused to move it) is blocked, and
 * its running units are looked for where the inventory says. The account's adapters are made when
 * a request needs them, from `/etc/passwd` and the linger mark as they are then.
 *
 * @module
 */
import { createJournal } from "../adapters/journal.ts";
import { createPodmanInspect } from "../adapters/podman_inspect.ts";
import { createSshSign } from "../adapters/ssh_sign.ts";
import type { Systemctl } from "../adapters/systemctl.ts";
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import type { DesiredState } from "../desired/types.ts";
import { formatProblem } from "../errors.ts";
import { deployedManager, managerName } from "../reconcile/service_users.ts";
import type { FetchedSource } from "../run/fetch_sources.ts";
import type { RemoteStore } from "../state/remote_store.ts";
import type { Inventory } from "../types/observed.ts";
import type { ApiRun, ApiService, ManagerLookup, RemoteApp, ServiceManager } from "./api.ts";
import { NonceLog } from "./nonces.ts";
import { type KeySource, NO_KEYS, type RemoteKeys, repoKeys } from "./repo_keys.ts";

/** The trees of each fetched source, as {@link repoKeys} reads them. */
export async function keySources(
  config: Config,
  fetched: readonly FetchedSource[],
): Promise<KeySource[]> {
  const trees = await Promise.all(fetched.map((f) => f.loadTrees()));
  return fetched.map((f, i) => {
    const t = trees[i]!;
    return t.kind === "branch-per-service" ? t : {
      kind: "host-folders",
      tree: t.tree,
      root: f.source.kind === "host-folders" && f.source.path !== ""
        ? `${f.source.path.replace(/\/+$/, "")}/${config.host}`
        : config.host,
    };
  });
}

/**
 * A service of the desired state, as the API needs it, with the account it runs as: the deployed
 * commit's `user =`, unless `inventory` (the run's) records the service for another manager
 * (hoist's own or another account): then the run did not deploy it (hoist does not move a running
 * service between managers), so it is blocked, its running units the inventory's account's.
 */
export function apiService(
  desired: Pick<DesiredState, "services">,
  inventory: Pick<Inventory, "services" | "units">,
  name: string,
): ApiService | undefined {
  const s = desired.services.find((x) => x.name === name);
  if (s === undefined) return undefined;
  const ran = deployedManager(inventory, name);
  const had = ran.deployed && ran.user !== undefined ? { user: ran.user } : {};
  if (s.status === "blocked") {
    const first = s.problems.find((p) => p.level === "error") ?? s.problems[0];
    const reason = first === undefined ? "blocked" : formatProblem(first);
    return { kind: "blocked", reason, ...had };
  }
  const wanted = s.user?.name;
  if (ran.deployed && ran.user !== wanted) {
    return {
      kind: "blocked",
      reason: `it runs for ${managerName(ran.user)}, the commit wants ${
        managerName(wanted)
      }: hoist does not move a running service between managers`,
      ...had,
    };
  }
  return {
    kind: "ready",
    units: s.units.map((u) => u.serviceUnit),
    entry: s.units.filter((u) => u.entry).map((u) => u.serviceUnit),
    hash: s.hash,
    ...(wanted === undefined ? {} : { user: wanted }),
  };
}

/** start/stop/restart through `systemctl`, as apply does them. */
function controlOf(systemctl: Systemctl): ServiceManager["control"] {
  return async (verb, units) => {
    if (units.length === 0) return;
    if (verb === "stop") return await systemctl.stop(units);
    // as apply does: a start limit hit by earlier restarts must not refuse this one
    await systemctl.resetFailed(units);
    await (verb === "start" ? systemctl.start(units) : systemctl.restart(units));
  };
}

/**
 * The manager of a service running as `user` (undefined: hoist's `own`): the account's user
 * manager, its rootless podman (runuser) and root's reading of its units' journal, for an account
 * that exists and lingers; otherwise the reason.
 */
async function accountManager(
  deps: Pick<Deps, "accounts" | "run">,
  own: ServiceManager,
  user: string | undefined,
): Promise<ManagerLookup> {
  if (user === undefined) return { ok: true, value: own };
  const access = deps.accounts;
  if (access === undefined) {
    return { ok: false, reason: "this hoist runs in user mode and acts for no other account" };
  }
  const account = (await access.lookup([user])).get(user);
  if (account === undefined) return { ok: false, reason: `no account ${user} on this host` };
  if (!account.lingers) {
    return {
      ok: false,
      reason:
        `account ${user} does not linger, so its user manager is not running (loginctl enable-linger ${user})`,
    };
  }
  const target = access.target(account);
  return {
    ok: true,
    value: {
      podman: createPodmanInspect(target.run),
      journal: createJournal(deps.run, { uid: account.uid }),
      control: controlOf(target.systemctl),
    },
  };
}

/** The parts of the server the API uses. */
export interface RemoteHost {
  readonly store: RemoteStore;
  readonly bodyLimit: number;
  plan(): Promise<ApiRun>;
  apply(): Promise<ApiRun>;
  pull(service: string): Promise<ApiRun>;
  warn(message: string): void;
}

/** The API's state, updated after every run by {@link RemoteState.update}. */
export interface RemoteState {
  readonly app: RemoteApp;
  /** Takes the keys and services of a run whose sources verified. */
  update(
    fetched: readonly FetchedSource[],
    desired: DesiredState,
    inventory: Pick<Inventory, "services" | "units">,
  ): Promise<void>;
  /** Reads the admin keys (at start, before any run). */
  loadAdmin(): Promise<void>;
}

/** Builds the API's state for `hoist serve`. */
export function remoteApp(deps: Deps, config: Config, host: RemoteHost): RemoteState {
  let keys: RemoteKeys = NO_KEYS;
  let sources: KeySource[] = [];
  let desired:
    | { state: DesiredState; inventory: Pick<Inventory, "services" | "units"> }
    | undefined;
  let shown = "";
  const ssh = createSshSign(deps.run, deps.fs);
  const own: ServiceManager = {
    podman: createPodmanInspect(deps.run),
    journal: createJournal(deps.run, config.mode),
    control: controlOf(deps.systemctl),
  };
  const reload = async () => {
    const admin = await Promise.all(
      config.remote.adminKeys.map(async (path) => ({
        path,
        text: await deps.fs.readText(path).catch(() => undefined),
      })),
    );
    keys = repoKeys(sources, admin);
    const text = keys.problems.map(formatProblem).join("\n");
    if (text !== shown && text !== "") host.warn(`remote keys: ${text}`);
    shown = text;
  };
  const app: RemoteApp = {
    keys: () => keys.keys,
    nonces: new NonceLog(),
    verify: ssh.verify,
    bodyLimit: host.bodyLimit,
    service: (name) =>
      desired === undefined ? undefined : apiService(desired.state, desired.inventory, name),
    manager: (user) => accountManager(deps, own, user),
    plan: host.plan,
    apply: host.apply,
    pull: host.pull,
    store: host.store,
    now: deps.clock,
  };
  return {
    app,
    async update(fetched, next, inventory) {
      sources = await keySources(config, fetched);
      desired = { state: next, inventory };
      await reload();
    },
    loadAdmin: reload,
  };
}
