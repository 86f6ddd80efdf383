/**
 * reconcile(desired, observed, options) → Plan. Pure, total, deterministic.
 *
 * @module
 */
import type { DesiredService, DesiredState } from "../desired/types.ts";
import { hasErrors, type Problem, problem } from "../errors.ts";
import type { InventoryService, ObservedContainer, ObservedState } from "../observed/types.ts";
import { dependencyGraph, recreateWarning } from "./dependency_graph.ts";
import { orderServices } from "./order_services.ts";
import type { Action, CopyAction, InventoryChange, Plan, UnitAction } from "./types.ts";

/** Knobs of reconcile. */
export interface ReconcileOptions {
  /** Immutable copies kept per service besides the current one. */
  readonly keepCopies: number;
}

/** Unit states in which a service counts as up. */
const UP = new Set(["active", "activating", "reloading"]);

/**
 * Compares the desired state with one observed snapshot and returns what to do.
 *
 * - units whose file differs are written; units hoist wrote that are no longer desired are stopped,
 *   then removed;
 * - a service whose hash differs from its containers' (or the inventory's) is restarted, one that
 *   is not running is started, one dropped from config.yml is stopped and its files removed;
 * - a service with errors is left exactly as it is;
 * - starts and restarts follow dependency order, stops the reverse.
 */
export function reconcile(
  desired: DesiredState,
  observed: ObservedState,
  options: ReconcileOptions,
): Plan {
  const problems: Problem[] = [...observed.warnings, ...desired.problems];
  const base = { revision: desired.revision, host: desired.host };
  if (hasErrors(desired.problems)) {
    return { ...base, actions: [], inventory: [], problems, blocked: true };
  }
  const inv = observed.inventory;
  const invUnits = [...inv.units.values()].sort((
    a,
    b,
  ) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const stops: UnitAction[] = [];
  const removes: Action[] = [];
  const writes: Action[] = [];
  const copies: CopyAction[] = [];
  const prunes: Action[] = [];
  const starts = new Map<string, UnitAction>();
  const inventory: InventoryChange[] = [];
  const desiredNames = new Set(desired.services.map((s) => s.name));
  const desiredPaths = new Set(desired.services.flatMap((s) => s.units.map((u) => u.path)));
  const blockedNames = new Set<string>();

  for (const svc of desired.services) {
    problems.push(...svc.problems);
    if (hasErrors(svc.problems)) {
      blockedNames.add(svc.name);
      continue;
    }
    const foreign = svc.units.filter((u) => {
      const content = observed.files.get(u.path);
      return content !== undefined && !inv.units.has(u.path) &&
        !content.includes(`Label=gitops-service=${svc.name}\n`);
    });
    if (foreign.length > 0) {
      blockedNames.add(svc.name);
      for (const u of foreign) {
        problems.push(problem("error", `refusing to overwrite a file hoist did not create`, {
          file: u.path,
          service: svc.name,
          hint: `Move the existing file out of the quadlet folder, or rename the service`,
        }));
      }
      continue;
    }
    // A generated unit name that systemd already knows from a file hoist did not write (an
    // admin's quadlet with the same name, or ServiceName=sshd) must not be taken over.
    const ownUnits = new Set([...inv.units.values()].map((u) => u.serviceUnit));
    const taken = svc.units.filter((u) => {
      const state = observed.units.get(u.serviceUnit);
      return !ownUnits.has(u.serviceUnit) && state?.load === "loaded" &&
        state.source !== undefined &&
        state.source !== "" && !state.source.endsWith(`/${u.path}`);
    });
    if (taken.length > 0) {
      blockedNames.add(svc.name);
      for (const u of taken) {
        problems.push(
          problem(
            "error",
            `${u.serviceUnit} already exists on this host (from ${
              observed.units.get(u.serviceUnit)!.source
            }), and hoist does not own it`,
            {
              file: u.source,
              service: svc.name,
              hint:
                "Rename the unit file (or its ServiceName=) so it does not replace a unit hoist did not create",
            },
          ),
        );
      }
      continue;
    }
    const prev = inv.services.get(svc.name);
    const changedUnits = svc.units.filter((u) => observed.files.get(u.path) !== u.content);
    for (const u of changedUnits) {
      const previous = observed.files.get(u.path) ?? null;
      if (previous !== null && (u.type === "network" || u.type === "volume")) {
        problems.push(recreateWarning(u, svc.name));
      }
      writes.push({
        kind: "write",
        service: svc.name,
        unit: u.path,
        content: u.content,
        previous,
        serviceUnit: u.serviceUnit,
        ...(svc.secretNames ? { sensitive: svc.secretNames } : {}),
        reason: previous === null
          ? "new unit"
          : prev?.hash === svc.hash
          ? "file on disk differs"
          : "content changed",
      });
    }
    if (svc.files.length > 0 && !observed.copies.has(svc.dir)) {
      copies.push({
        kind: "copy",
        service: svc.name,
        dir: svc.dir,
        files: svc.files,
        reason: `files for ${svc.hash}`,
      });
    }
    const gone = invUnits.filter((u) => u.service === svc.name && !desiredPaths.has(u.path));
    // Units this service ran before but no longer generates: a dropped file, or a new ServiceName=.
    const current = new Set(svc.units.map((u) => u.serviceUnit));
    const stale = [...new Set([...(prev?.serviceUnits ?? []), ...gone.map((u) => u.serviceUnit)])]
      .filter((u) => !current.has(u) && isUp(observed, u));
    if (stale.length > 0) {
      stops.push({
        kind: "stop",
        service: svc.name,
        units: stale,
        reason: gone.length > 0 ? "unit removed from the service folder" : "generated unit renamed",
      });
    }
    for (const u of gone) {
      removes.push({
        kind: "remove",
        service: svc.name,
        unit: u.path,
        previous: observed.files.get(u.path) ?? null,
        reason: "unit removed from the service folder",
      });
    }

    const start = startAction(svc, prev, observed, changedUnits.length > 0);
    if (start) starts.set(svc.name, start);
    const serviceUnits = unitsOf(svc, "all");
    const owned = svc.units.every((u) => inv.units.get(u.path)?.service === svc.name);
    const recorded = prev && prev.hash === svc.hash && sameList(prev.serviceUnits, serviceUnits) &&
      owned;
    if (!recorded || changedUnits.length > 0 || gone.length > 0) {
      const units = svc.units.map((u) => ({ path: u.path, serviceUnit: u.serviceUnit }));
      inventory.push({
        service: svc.name,
        record: { hash: svc.hash, inputs: svc.inputs, serviceUnits, units },
      });
    }
    if (changedUnits.length > 0 || start?.kind === "restart") {
      const keep = new Set([
        svc.dir,
        ...(inv.copies.get(svc.name) ?? []).filter((d) => d !== svc.dir).slice(
          0,
          options.keepCopies,
        ),
      ]);
      const old = (inv.copies.get(svc.name) ?? []).filter((d) => !keep.has(d));
      if (old.length > 0) {
        prunes.push({
          kind: "prune",
          service: svc.name,
          dirs: old,
          reason: `keep the last ${options.keepCopies}`,
        });
      }
    }
  }

  const owners = [...new Set([...inv.services.keys(), ...invUnits.map((u) => u.service)])].sort();
  for (const name of owners) {
    if (desiredNames.has(name)) continue;
    const files = invUnits.filter((x) => x.service === name);
    const serviceUnits = inv.services.get(name)?.serviceUnits ?? files.map((f) => f.serviceUnit);
    const units = serviceUnits.filter((u) => isUp(observed, u));
    if (units.length > 0) {
      stops.push({ kind: "stop", service: name, units, reason: "removed from config.yml" });
    }
    for (const u of files) {
      removes.push({
        kind: "remove",
        service: name,
        unit: u.path,
        previous: observed.files.get(u.path) ?? null,
        reason: "removed from config.yml",
      });
    }
    const dirs = inv.copies.get(name) ?? [];
    if (dirs.length > 0) {
      prunes.push({ kind: "prune", service: name, dirs, reason: "removed from config.yml" });
    }
    inventory.push({ service: name, record: null });
  }

  const { order, cycle } = orderServices(dependencyGraph(desired, observed, invUnits));
  if (cycle.length > 0) {
    problems.push(
      problem(
        "warning",
        `services depend on each other in a cycle: ${cycle.join(", ")}; starting them by name`,
      ),
    );
  }
  const ordered = order.flatMap((n) => starts.get(n) ?? []);
  // Stops in reverse dependency order: a service stops before what it requires.
  stops.sort((a, b) => order.indexOf(b.service) - order.indexOf(a.service));

  const touchesUnits = writes.length > 0 || removes.length > 0;
  const hostUsed = desired.services.some((s) => s.inputs["${HOST_DIR}"] !== undefined);
  const hostCopies: Action[] = desired.hosts.flatMap((h): Action[] => {
    const scripted = h.scripts.pre !== undefined || h.scripts.post !== undefined;
    return (scripted || hostUsed) && h.files.length > 0 && !observed.copies.has(h.dir)
      ? [{
        kind: "copy",
        service: "",
        dir: h.dir,
        files: h.files,
        reason: scripted ? "host folder for scripts" : "host folder for ${HOST_DIR}",
      }]
      : [];
  });
  const script = (phase: "pre" | "post"): Action[] =>
    desired.hosts.flatMap((h): Action[] => {
      const text = h.scripts[phase];
      const where = desired.hosts.length > 1 ? ` (source ${h.source})` : "";
      return text === undefined ? [] : [{
        kind: "run-script",
        phase,
        script: text,
        cwd: h.dir,
        reason: `${phase}.script in config.yml${where}`,
      }];
    });
  const actions: Action[] = [
    ...hostCopies,
    ...script("pre"),
    ...stops,
    ...removes,
    ...copies,
    ...writes,
    ...(touchesUnits
      ? [
        {
          kind: "daemon-reload",
          waitFor: ordered.flatMap((a) => a.units),
          reason: "unit files changed",
        } as const,
      ]
      : []),
    ...ordered,
    ...prunes,
    ...script("post"),
  ];
  return {
    ...base,
    actions,
    inventory: inventory.filter((c) => !blockedNames.has(c.service)),
    problems,
    blocked: false,
  };
}

/**
 * The containers that run `svc`: those started by one of its generated units (podman's own
 * PODMAN_SYSTEMD_UNIT label), so a label set by hand cannot make a container pass for another
 * service. Containers without that label fall back to hoist's gitops-service label.
 */
export function containersOf(svc: DesiredService, observed: ObservedState): ObservedContainer[] {
  const units = new Set(svc.units.map((u) => u.serviceUnit));
  return observed.containers.filter((c) =>
    c.unit !== "" ? units.has(c.unit) : c.service === svc.name
  );
}

function isUp(observed: ObservedState, unit: string): boolean {
  const state = observed.units.get(unit);
  return !observed.runtime ||
    (state !== undefined && (UP.has(state.active) || state.active === "failed"));
}

function unitsOf(svc: DesiredService, which: "entry" | "all"): string[] {
  const entries = svc.units.filter((u) => u.entry).map((u) => u.serviceUnit);
  if (which === "entry") return entries;
  const inPod = (u: DesiredService["units"][number]) => u.type === "container" && !u.entry;
  return [...entries, ...svc.units.filter((u) => !u.entry && !inPod(u)).map((u) => u.serviceUnit)];
}

function startAction(
  svc: DesiredService,
  prev: InventoryService | undefined,
  observed: ObservedState,
  unitsChanged: boolean,
): UnitAction | undefined {
  const containers = containersOf(svc, observed);
  const running = containers.filter((c) => c.state === "running");
  const staleHashes = [
    ...new Set(running.filter((c) => c.hash !== svc.hash).map((c) => c.hash || "none")),
  ];
  const entry = unitsOf(svc, "entry");
  const down = entry.filter((u) =>
    !observed.runtime || !UP.has(observed.units.get(u)?.active ?? "inactive")
  );
  const hashChanged = prev !== undefined && prev.hash !== svc.hash;
  if (staleHashes.length > 0 || ((unitsChanged || hashChanged) && down.length < entry.length)) {
    return {
      kind: "restart",
      service: svc.name,
      units: unitsOf(svc, "all"),
      reason: changeReason(svc, prev, staleHashes),
    };
  }
  if (down.length > 0) {
    const state = observed.runtime
      ? down.map((u) => `${u} ${observed.units.get(u)?.active ?? "not loaded"}`).join(", ")
      : "not deployed yet";
    return {
      kind: "start",
      service: svc.name,
      units: entry,
      reason: prev ? `not running (${state})` : `new service (${state})`,
    };
  }
  return undefined;
}

function changeReason(
  svc: DesiredService,
  prev: InventoryService | undefined,
  staleHashes: string[],
): string {
  if (!prev || prev.hash !== svc.hash) {
    const before = prev?.inputs ?? {};
    const names = [...new Set([...Object.keys(before), ...Object.keys(svc.inputs)])].sort();
    const changed = names.filter((n) => before[n] !== svc.inputs[n]);
    if (prev && changed.length > 0) return `content changed: ${changed.join(", ")}`;
  }
  return staleHashes.length > 0
    ? `running ${staleHashes.join(", ")}, want ${svc.hash}`
    : "unit file on disk differed from the repository";
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
