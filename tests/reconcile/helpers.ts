/**
 * Builders for reconcile tests: desired states read from small in-memory repositories, observed
 * snapshots built by hand (or derived: "everything deployed and running at this desired state"),
 * and a one-line-per-action summary of a plan that a reviewer can read.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readDesired, type ReadOptions } from "../../lib/desired/read_desired.ts";
import type {
  DesiredService,
  DesiredState,
  ReadyService,
  RepoEntry,
} from "../../lib/desired/types.ts";
import type { Problem } from "../../lib/errors.ts";
import type {
  InventoryService,
  InventoryUnit,
  ObservedContainer,
  UnitState,
} from "../../lib/types/observed.ts";
import { reconcile, type ReconcileOptions } from "../../lib/reconcile/reconcile.ts";
import { serviceUnitsOf } from "../../lib/reconcile/service_state.ts";
import { type Action, actionService, actionTarget, type Plan } from "../../lib/reconcile/types.ts";

/** The host folder every test repository uses. */
export const HOST = "gitops/h1";
/** state_dir of every test. */
export const STATE = "/var/lib/hoist";
/** Read options: host `h1` under `gitops/`, prefix `gitops-`, user mode. */
export const OPTS: ReadOptions = {
  path: "gitops",
  host: "h1",
  prefix: "gitops-",
  mode: "user",
  stateDir: STATE,
};
/** Default reconcile options. */
export const KEEP3: ReconcileOptions = { keepCopies: 3 };

/**
 * readDesired over an in-memory tree; `files` are relative to the host folder
 * (`config.yml`, `web/manifest.yml`). Every parent folder gets a `dir` entry.
 */
export function desiredFrom(files: Record<string, string>, revision = "rev1"): DesiredState {
  const entries = new Map<string, RepoEntry>();
  for (const [rel, text] of Object.entries(files)) {
    const path = `${HOST}/${rel}`;
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      entries.set(parts.slice(0, i).join("/"), { kind: "dir" });
    }
    entries.set(path, { kind: "file", data: new TextEncoder().encode(text) });
  }
  return readDesired({ revision, entries }, OPTS);
}

/** `config.yml` listing `services`, with optional extra top-level YAML (pre/post scripts). */
export function configYml(services: readonly string[], extra = ""): string {
  return `services:\n${services.map((s) => `  ${s}: {}\n`).join("")}${extra}`;
}

/** A container manifest; `requires` become `Unit.Requires`, `more` extra Container lines. */
export function manifest(
  image: string,
  opts: { requires?: readonly string[]; more?: readonly string[] } = {},
): string {
  const unit = opts.requires && opts.requires.length > 0
    ? `Unit:\n  Requires:\n${opts.requires.map((r) => `    - ${r}\n`).join("")}`
    : "";
  const more = (opts.more ?? []).join("");
  return `${unit}Container:\n  Image: ${image}\n${more}`;
}

/** A desired state that is expected to read without problems. */
export function cleanDesired(files: Record<string, string>, revision = "rev1"): DesiredState {
  const d = desiredFrom(files, revision);
  const all = [...d.problems, ...d.services.flatMap((s) => s.problems)];
  assert.deepEqual(all, [], `the test repository should read cleanly`);
  return d;
}

/** The service called `name`, failing the test when it is absent. */
export function anyService(desired: DesiredState, name: string): DesiredService {
  const s = desired.services.find((x) => x.name === name);
  assert.ok(s, `no service ${name} in ${desired.services.map((x) => x.name).join(", ")}`);
  return s;
}

/** The ready service called `name`, failing the test when it is absent or blocked. */
export function svc(desired: DesiredState, name: string): ReadyService {
  const s = anyService(desired, name);
  assert.ok(s.status === "ready", `service ${name} is blocked: ${JSON.stringify(s.problems)}`);
  return s;
}

/** A mutable {@link ObservedState} that tests can tweak before passing it to reconcile(). */
export interface FakeObserved {
  files: Map<string, string>;
  copies: Set<string>;
  containers: ObservedContainer[];
  units: Map<string, UnitState>;
  inventory: {
    services: Map<string, InventoryService>;
    units: Map<string, InventoryUnit>;
    copies: Map<string, string[]>;
  };
  runtime: boolean;
  reloadPending?: boolean;
  strayServiceFolders?: string[];
  warnings: Problem[];
}

/** A host where nothing was ever deployed (podman and systemd present). */
export function emptyHost(): FakeObserved {
  return {
    files: new Map(),
    copies: new Set(),
    containers: [],
    units: new Map(),
    inventory: { services: new Map(), units: new Map(), copies: new Map() },
    runtime: true,
    warnings: [],
  };
}

/** systemd's view of a unit in `active` state (`active`, `inactive`, `failed`, …). */
export function unitState(active: string): UnitState {
  return {
    load: active === "not-found" ? "not-found" : "loaded",
    active: active === "not-found" ? "inactive" : active,
    sub: active === "active" ? "running" : "dead",
  };
}

/**
 * The host after a successful apply of `desired`: unit files as rendered, copies made, one running
 * container per entry container unit labelled with service and hash, every generated unit active,
 * the inventory filled. Blocked services are left out.
 */
export function deployed(desired: DesiredState): FakeObserved {
  const o = emptyHost();
  addDeployed(o, desired);
  return o;
}

/** Adds what a successful apply of `desired` leaves on the host to `o` (see {@link deployed}). */
export function addDeployed(o: FakeObserved, desired: DesiredState): FakeObserved {
  let hostUsed = false;
  for (const s of desired.services) {
    if (s.status !== "ready") continue;
    hostUsed ||= s.inputs["${HOST_DIR}"] !== undefined;
    for (const u of s.units) {
      o.files.set(u.path, u.content);
      o.inventory.units.set(u.path, { path: u.path, service: s.name, serviceUnit: u.serviceUnit });
      o.units.set(u.serviceUnit, unitState("active"));
      if (u.type === "container") {
        const name = u.path.split("/").pop()!.replace(/\.container$/, "");
        o.containers.push({
          id: `id-${name}-${s.hash}`,
          name: `systemd-${name}`,
          state: "running",
          service: s.name,
          hash: s.hash,
          unit: u.serviceUnit,
          startedAt: 1_700_000_000,
        });
      }
    }
    if (s.files.length > 0) {
      o.copies.add(s.dir);
      o.inventory.copies.set(s.name, [
        s.dir,
        ...(o.inventory.copies.get(s.name) ?? []).filter((d) => d !== s.dir),
      ]);
    }
    o.inventory.services.set(s.name, {
      name: s.name,
      hash: s.hash,
      inputs: s.inputs,
      serviceUnits: serviceUnitsOf(s, "all"),
      revision: desired.revision,
      changedAt: "2024-01-01T00:00:00.000Z",
    });
  }
  for (const h of desired.hosts) {
    const scripted = h.scripts.pre !== undefined || h.scripts.post !== undefined;
    if ((scripted || hostUsed) && h.dir !== "") o.copies.add(h.dir);
  }
  return o;
}

/** The same snapshot with every Map and Set (and the container list) in reverse insertion order. */
export function reversedMaps(o: FakeObserved): FakeObserved {
  const rev = <K, V>(m: ReadonlyMap<K, V>) => new Map([...m.entries()].reverse());
  return {
    files: rev(o.files),
    copies: new Set([...o.copies].reverse()),
    containers: [...o.containers].reverse(),
    units: rev(o.units),
    inventory: {
      services: rev(o.inventory.services),
      units: rev(o.inventory.units),
      copies: rev(o.inventory.copies),
    },
    runtime: o.runtime,
    warnings: o.warnings,
  };
}

/** `hash → "name@revision"` for every service of the given desired states, to make lines readable. */
export function hashNames(...states: readonly DesiredState[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const d of states) {
    for (const s of d.services) {
      if (s.status === "ready") names.set(s.hash, `${s.name}@${d.revision}`);
    }
    for (const h of d.hosts) if (h.hash !== "") names.set(h.hash, `host@${d.revision}`);
  }
  return names;
}

/** One readable line per action; hashes replaced by `name@revision` when `names` knows them. */
export function actionLine(a: Action, names: ReadonlyMap<string, string> = new Map()): string {
  const target = actionTarget(a);
  const service = actionService(a);
  const line = a.kind === "daemon-reload"
    ? `daemon-reload, wait for ${a.waitFor.join(" ") || "nothing"}`
    : a.kind === "run-script"
    ? `run-script ${a.phase} in ${a.cwd}`
    : a.kind === "write" || a.kind === "remove"
    ? `${a.kind} ${target} (${a.reason})`
    : a.kind === "copy" || a.kind === "prune"
    ? `${a.kind} ${service ?? "host"} ${target} (${a.reason})`
    : `${a.kind} ${service}: ${target} (${a.reason})`;
  let named = line;
  for (const [hash, name] of names) named = named.replaceAll(hash, name);
  return named;
}

/**
 * The plan as lines, hashes named after the given desired states. Pull actions are left out
 * (most scenarios name registry images, and the pulls say nothing about what they test); see
 * {@link pullLines} and tests/reconcile/pull_test.ts.
 */
export function planLines(plan: Plan, ...states: readonly DesiredState[]): string[] {
  const names = hashNames(...states);
  return plan.actions.filter((a) => a.kind !== "pull").map((a) => actionLine(a, names));
}

/** The plan's lines with its pull actions, each image with its policy. */
export function pullLines(plan: Plan, ...states: readonly DesiredState[]): string[] {
  const names = hashNames(...states);
  return plan.actions.map((a) =>
    a.kind === "pull"
      ? `pull ${a.service}: ${a.images.map((i) => `${i.ref} (${i.policy})`).join(", ")}`
      : actionLine(a, names)
  );
}

/** Index of the first action matching `pred`, failing the test when there is none. */
export function indexOf(plan: Plan, what: string, pred: (a: Action) => boolean): number {
  const i = plan.actions.findIndex(pred);
  assert.ok(i >= 0, `no ${what} in:\n${planLines(plan).join("\n")}`);
  return i;
}

/** reconcile() with {@link KEEP3} unless told otherwise. */
export function plan(
  desired: DesiredState,
  observed: FakeObserved,
  options: ReconcileOptions = KEEP3,
): Plan {
  return reconcile(desired, observed, options);
}
