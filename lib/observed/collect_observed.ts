/**
 * The only code that reads the host for reconcile: one snapshot per run.
 *
 * One podman and one systemctl process on a healthy no-op, whatever the number of services, run
 * at once; a second systemctl (`show`) only for units list-units cannot answer for
 * (`unitsToShow` in unit_states.ts).
 *
 * @module
 */
import type { Fs } from "../adapters/fs.ts";
import type { Podman } from "../adapters/podman.ts";
import type { ListingSystemctl } from "../adapters/systemctl.ts";
import { type DesiredState, readyServices } from "../desired/types.ts";
import { HoistError, type Problem, problem } from "../errors.ts";
import type {
  ExistingObject,
  InventoryService,
  InventoryUnit,
  ObjectKey,
  ObservedContainer,
  ObservedState,
  UnitState,
} from "../types/observed.ts";
import { observeUnits } from "./unit_states.ts";
import { type AccountAccess, accountScope, observeAccounts } from "./observe_accounts.ts";

/** What observe needs. */
export interface ObserveDeps {
  readonly fs: Fs;
  readonly podman: Podman;
  readonly systemctl: Pick<ListingSystemctl, "list" | "show">;
  /** Other accounts (services with `user =`); without it none is looked at. */
  readonly accounts?: AccountAccess;
}

/** Where hoist's files live on the host. */
export interface ObservePaths {
  readonly quadletDir: string;
  readonly stateDir: string;
}

/**
 * The "reload pending" mark: written before a run's first unit write or remove, deleted once its
 * daemon-reload succeeded, so a run killed in between (or whose reload failed) leaves it behind
 * and the next run reloads. (systemd's NeedDaemonReload does not flag an edited quadlet file.)
 */
export function reloadMarkPath(stateDir: string): string {
  return `${stateDir}/reload-pending`;
}

/**
 * Unit files in quadlet_dir named with `prefix` (`<prefix>x.container`, `<prefix>x/net.network`),
 * path relative to quadlet_dir → content: what hoist may have written, read only when its
 * inventory is empty (a lost state DB), so a normal run does not list the folder.
 */
export async function readPrefixedUnits(
  fs: Fs,
  quadletDir: string,
  prefix: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const add = async (rel: string) => {
    const text = await fs.readText(`${quadletDir}/${rel}`);
    if (text !== undefined) out.set(rel, text);
  };
  for (const name of await fs.listFiles(quadletDir)) {
    if (name.startsWith(prefix)) await add(name);
  }
  for (const dir of await fs.listFolders(quadletDir)) {
    const folder = dir.slice(dir.lastIndexOf("/") + 1);
    if (!folder.startsWith(prefix)) continue;
    for (const name of await fs.listFiles(dir)) await add(`${folder}/${name}`);
  }
  return out;
}

/** Files read at once, at most: well below any open-files limit. */
const READ_BATCH = 64;

/** `fn` over `items`, {@link READ_BATCH} at a time, answers in the order of `items`. */
async function inBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += READ_BATCH) {
    out.push(...await Promise.all(items.slice(i, i + READ_BATCH).map(fn)));
  }
  return out;
}

/** Every podman object, or undefined where podman is missing. */
async function listObjects(podman: Podman): Promise<Map<ObjectKey, ExistingObject> | undefined> {
  try {
    return await podman.listObjects();
  } catch (e) {
    if (e instanceof HoistError && e.code === "tool-missing") return undefined;
    throw e;
  }
}

/** Takes the snapshot: files hoist cares about, containers, unit states, copies on disk. */
export async function collectObserved(
  deps: ObserveDeps,
  paths: ObservePaths,
  desired: DesiredState,
  inventory: {
    services: ReadonlyMap<string, InventoryService>;
    units: ReadonlyMap<string, InventoryUnit>;
  },
): Promise<ObservedState> {
  // what lives with other accounts (user =) is read there, not from hoist's own manager
  const scope = accountScope(desired, inventory);
  const serviceUnits = [
    ...new Set([
      ...readyServices(desired.services).flatMap((s) => s.units.map((u) => u.serviceUnit)),
      ...[...inventory.services.values()].flatMap((s) => s.serviceUnits),
    ]),
  ].filter((u) => !scope.units.has(u)).sort();
  const owned = new Set([
    ...[...inventory.services.values()].flatMap((s) => s.serviceUnits),
    ...[...inventory.units.values()].map((u) => u.serviceUnit),
  ]);
  // nothing orders podman's answer and systemd's: ask both at once, while the files are read
  const host = Promise.all([
    deps.podman.listContainers().then(
      (containers) => ({ containers, missing: false }),
      (e) => {
        if (!(e instanceof HoistError && e.code === "tool-missing")) throw e;
        return { containers: [] as ObservedContainer[], missing: true };
      },
    ),
    observeUnits(deps.systemctl, serviceUnits, owned).then(
      (units) => ({ units, missing: false }),
      (e) => {
        const noSystemd = e instanceof HoistError &&
          (e.code === "tool-missing" ||
            /not been booted with systemd|Failed to connect to bus|No medium found/i.test(
              e.message,
            ));
        if (!noSystemd) throw e;
        return { units: new Map<string, UnitState>(), missing: true };
      },
    ),
  ]);
  host.catch(() => {}); // awaited below; a file read failing first must not leave it unhandled
  const others = observeAccounts(deps.accounts, scope, owned);
  others.catch(() => {}); // awaited below, like host
  const unitPaths = new Set([
    ...readyServices(desired.services).flatMap((s) => s.units.map((u) => u.path)),
    ...inventory.units.keys(),
  ]);
  // the reads below are independent: issued at once, collected in a fixed order
  const sortedPaths = [...unitPaths].filter((p) => !scope.paths.has(p)).sort();
  const texts = await inBatches(sortedPaths, (p) => deps.fs.readText(`${paths.quadletDir}/${p}`));
  const files = new Map<string, string>();
  sortedPaths.forEach((p, i) => {
    const text = texts[i];
    if (text !== undefined) files.set(p, text);
  });
  const theirs = await others;
  for (const [p, text] of theirs.files) files.set(p, text);
  const dirs = [
    ...readyServices(desired.services).map((s) => s.dir),
    ...desired.hosts.map((h) => h.dir),
  ].filter((d) => d !== "");
  const present = await inBatches(dirs, (d) => deps.fs.exists(d));
  const copies = new Set(dirs.filter((_, i) => present[i]));
  const known = new Set([
    ...inventory.services.keys(),
    ...[...inventory.units.values()].map((u) => u.service),
    ...desired.services.map((s) => s.name),
  ]);
  const names = [...known];
  const lists = await inBatches(
    names,
    (name) => deps.fs.listFolders(`${paths.stateDir}/services/${name}`),
  );
  const copyLists = new Map<string, string[]>();
  names.forEach((name, i) => {
    const found = lists[i] ?? [];
    if (found.length > 0) copyLists.set(name, found);
  });
  const strayServiceFolders = (await deps.fs.listFolders(`${paths.stateDir}/services`))
    .filter((d) => !known.has(d.slice(d.lastIndexOf("/") + 1))).sort();

  // only a run that writes a unit can create podman objects: only then list them all
  const writes = readyServices(desired.services).some((s) =>
    s.units.some((u) => files.get(u.path) !== u.content)
  );
  const objects = writes ? listObjects(deps.podman) : Promise.resolve(undefined);
  objects.catch(() => {}); // awaited below, after the host states
  const [podman, systemd] = await host;
  const existing = await objects;
  const missing = [...(podman.missing ? ["podman"] : []), ...(systemd.missing ? ["systemd"] : [])];
  const warnings: Problem[] = missing.length === 0 ? [] : [
    problem(
      "warning",
      `${
        missing.join(" and ")
      } not available here: unit and container states are unknown, the plan shows a first install`,
    ),
  ];
  return {
    files,
    copies,
    containers: theirs.containers.length === 0
      ? podman.containers
      : [...podman.containers, ...theirs.containers],
    units: theirs.units.size === 0 ? systemd.units : new Map([...systemd.units, ...theirs.units]),
    ...(scope.names.length === 0 ? {} : { accounts: theirs.accounts }),
    ...(theirs.objects.size === 0 ? {} : { accountObjects: theirs.objects }),
    ...(existing === undefined ? {} : { objects: existing }),
    inventory: { services: inventory.services, units: inventory.units, copies: copyLists },
    runtime: missing.length === 0,
    reloadPending: await deps.fs.exists(reloadMarkPath(paths.stateDir)),
    strayServiceFolders,
    warnings,
  };
}
