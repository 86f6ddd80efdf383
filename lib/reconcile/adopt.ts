/**
 * Rebuilding what hoist owns from the unit files it wrote, after its state DB was lost: a unit
 * file is hoist's when it carries both of hoist's labels (service and hash), or sits in the folder
 * of a service whose file does. A file with the service label alone (what homelab-gitops wrote)
 * is not: a first install adopts those for the services it deploys, as before. Pure.
 *
 * @module
 */
import { HASH_LABEL, SERVICE_LABEL } from "../desired/labels.ts";
import { generatedServiceName, TYPE_SECTION, unitTypeOf } from "../desired/quadlet_names.ts";
import { unitEntries } from "../desired/unit_text.ts";
import type { InventoryService, InventoryUnit } from "../types/observed.ts";

/** The inventory rebuilt from unit files. */
export interface AdoptedInventory {
  readonly services: ReadonlyMap<string, InventoryService>;
  readonly units: ReadonlyMap<string, InventoryUnit>;
}

/** The service a file's `Label=gitops-service=NAME` names, and its hash label. */
function labels(content: string): { service?: string; hash?: string } {
  const out: { service?: string; hash?: string } = {};
  for (const e of unitEntries(content)) {
    if (e.key !== "Label") continue;
    const [key, ...rest] = e.value.split("=");
    if (key === SERVICE_LABEL) out.service = rest.join("=");
    if (key === HASH_LABEL) out.hash = rest.join("=");
  }
  return out;
}

/** True when `content` carries hoist's service label for `service` and a hash label. */
function hoists(content: string, service: string): boolean {
  const l = labels(content);
  return l.service === service && l.hash !== undefined;
}

/**
 * The inventory that unit files in quadlet_dir (`files`: path relative to it → content) imply,
 * for names with `prefix`: `<prefix><service>.<type>` whose labels name that service and a hash,
 * and the files of folder `<prefix><service>/` when one of them carries such labels. Services
 * get the hash of their labels ("" when none carries one), revision `adopted` and time `now`.
 *
 * @example
 * ```ts
 * adoptInventory(new Map([["gitops-web.container", "[Container]\nLabel=gitops-service=web\n"]]),
 *   "gitops-", "2024-01-01T00:00:00Z").units.get("gitops-web.container")?.service; // "web"
 * ```
 */
export function adoptInventory(
  files: ReadonlyMap<string, string>,
  prefix: string,
  now: string,
): AdoptedInventory {
  const units = new Map<string, InventoryUnit>();
  const hashes = new Map<string, string>();
  const claim = (service: string) => (path: string, content: string) => {
    const fileName = path.slice(path.lastIndexOf("/") + 1);
    const type = unitTypeOf(fileName);
    if (type === undefined) return;
    const own = unitEntries(content).filter((e) => e.section === TYPE_SECTION[type]);
    const serviceName = own.findLast((e) => e.key === "ServiceName")?.value;
    units.set(path, {
      path,
      service,
      serviceUnit: generatedServiceName(fileName, type, serviceName),
    });
    const hash = labels(content).hash;
    if (hash !== undefined && !hashes.has(service)) hashes.set(service, hash);
  };
  const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const folders = new Map<string, [string, string][]>();
  for (const [path, content] of sorted) {
    if (!path.startsWith(prefix)) continue;
    const slash = path.indexOf("/");
    if (slash < 0) {
      const name = path.slice(prefix.length, path.lastIndexOf("."));
      if (hoists(content, name)) claim(name)(path, content);
    } else if (slash === path.lastIndexOf("/")) {
      const name = path.slice(prefix.length, slash);
      folders.set(name, [...(folders.get(name) ?? []), [path, content]]);
    }
  }
  for (const [name, list] of folders) {
    if (!list.some(([, content]) => hoists(content, name))) continue;
    for (const [path, content] of list) claim(name)(path, content);
  }
  const services = new Map<string, InventoryService>();
  for (const u of [...units.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const prev = services.get(u.service);
    const entry = u.serviceUnit;
    services.set(u.service, {
      name: u.service,
      hash: hashes.get(u.service) ?? "",
      inputs: {},
      serviceUnits: [...(prev?.serviceUnits ?? []), entry],
      revision: "adopted",
      changedAt: now,
    });
  }
  return { services, units };
}
