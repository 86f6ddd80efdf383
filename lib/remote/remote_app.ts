/**
 * {@link remoteApp}: the {@link RemoteApp} of `hoist serve`, built from the adapters and the last
 * run. The keys, the services and their units come from the last run whose sources fetched and
 * verified (its `fetched[].trees` and desired state); before the first such run only
 * `[remote] admin_keys` authorise anything and no service exists.
 *
 * @module
 */
import { createJournal } from "../adapters/journal.ts";
import { createPodmanInspect } from "../adapters/podman_inspect.ts";
import { createSshSign } from "../adapters/ssh_sign.ts";
import type { Config } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import type { DesiredState } from "../desired/types.ts";
import { formatProblem } from "../errors.ts";
import type { FetchedSource } from "../run/fetch_sources.ts";
import type { RemoteStore } from "../state/remote_store.ts";
import type { ApiRun, ApiService, RemoteApp } from "./api.ts";
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

/** A service of the desired state, as the API needs it. */
export function apiService(desired: DesiredState, name: string): ApiService | undefined {
  const s = desired.services.find((x) => x.name === name);
  if (s === undefined) return undefined;
  if (s.status === "blocked") {
    const first = s.problems.find((p) => p.level === "error") ?? s.problems[0];
    return { kind: "blocked", reason: first === undefined ? "blocked" : formatProblem(first) };
  }
  return {
    kind: "ready",
    units: s.units.map((u) => u.serviceUnit),
    entry: s.units.filter((u) => u.entry).map((u) => u.serviceUnit),
    hash: s.hash,
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
  update(fetched: readonly FetchedSource[], desired: DesiredState): Promise<void>;
  /** Reads the admin keys (at start, before any run). */
  loadAdmin(): Promise<void>;
}

/** Builds the API's state for `hoist serve`. */
export function remoteApp(deps: Deps, config: Config, host: RemoteHost): RemoteState {
  let keys: RemoteKeys = NO_KEYS;
  let sources: KeySource[] = [];
  let desired: DesiredState | undefined;
  let shown = "";
  const ssh = createSshSign(deps.run, deps.fs);
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
    service: (name) => (desired === undefined ? undefined : apiService(desired, name)),
    podman: createPodmanInspect(deps.run),
    journal: createJournal(deps.run, config.mode),
    async control(verb, units) {
      if (units.length === 0) return;
      if (verb === "stop") return await deps.systemctl.stop(units);
      // as apply does: a start limit hit by earlier restarts must not refuse this one
      await deps.systemctl.resetFailed(units);
      await (verb === "start" ? deps.systemctl.start(units) : deps.systemctl.restart(units));
    },
    plan: host.plan,
    apply: host.apply,
    pull: host.pull,
    store: host.store,
    now: deps.clock,
  };
  return {
    app,
    async update(fetched, next) {
      sources = await keySources(config, fetched);
      desired = next;
      await reload();
    },
    loadAdmin: reload,
  };
}
