/**
 * Quadlet's naming rules: which file extensions it reads and which systemd service each produces.
 *
 * @module
 */
import type { UnitType } from "./types.ts";
import type { UnitEntry } from "./unit_text.ts";

/** File extension → unit type, for the files quadlet reads. */
export const UNIT_EXTENSIONS: Readonly<Record<string, UnitType>> = {
  ".container": "container",
  ".network": "network",
  ".volume": "volume",
  ".pod": "pod",
  ".kube": "kube",
  ".image": "image",
  ".build": "build",
};

/** The `[Section]` that holds a unit type's own keys. */
export const TYPE_SECTION: Readonly<Record<UnitType, string>> = {
  container: "Container",
  network: "Network",
  volume: "Volume",
  pod: "Pod",
  kube: "Kube",
  image: "Image",
  build: "Build",
};

/** A plain unit file name: no slashes, no template `@`, nothing hidden. */
export const UNIT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * A name hoist accepts for `ServiceName=`, `ContainerName=`, `PodName=`, `NetworkName=` and
 * `VolumeName=`: podman's object-name grammar (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`), which is also inside
 * systemd's unit-name grammar, so `systemd-%N` stays a valid container name. No `/`, no `@`, no
 * quotes (quadlet strips them), nothing that starts like a flag.
 */
export const OBJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** systemd's limit on a unit name, `.service` included (`UNIT_NAME_MAX` - 1). */
export const UNIT_NAME_MAX_BYTES = 255;

/** Keys whose value names a systemd unit or a podman object (read from the type's own section). */
export const NAME_KEYS: readonly string[] = [
  "ServiceName",
  "ContainerName",
  "PodName",
  "NetworkName",
  "VolumeName",
];

/**
 * Why the value of a {@link NAME_KEYS} key is not a name hoist accepts, or undefined when it is.
 *
 * @example
 * ```ts
 * nameRefusal("ServiceName", "../../etc/systemd/system/evil"); // "… is not a plain name …"
 * nameRefusal("ContainerName", "caddy"); // undefined
 * ```
 */
export function nameRefusal(key: string, value: string): string | undefined {
  if (!OBJECT_NAME.test(value)) {
    return `${key}=${JSON.stringify(value)} is not a plain name`;
  }
  if (key === "ServiceName") {
    if (value.endsWith(".service")) {
      return `ServiceName=${value} would name ${value}.service (give the name without .service)`;
    }
    if (byteLength(`${value}.service`) > UNIT_NAME_MAX_BYTES) {
      return `ServiceName=${value} is longer than systemd allows for a unit name`;
    }
  }
  return undefined;
}

/** Why a generated service name is not a unit name systemd accepts, or undefined. */
export function serviceNameRefusal(serviceUnit: string): string | undefined {
  const base = serviceUnit.slice(0, -".service".length);
  if (!serviceUnit.endsWith(".service") || !OBJECT_NAME.test(base)) {
    return `${serviceUnit} is not a plain unit name`;
  }
  return byteLength(serviceUnit) > UNIT_NAME_MAX_BYTES
    ? `${serviceUnit} is longer than systemd's ${UNIT_NAME_MAX_BYTES} bytes for a unit name`
    : undefined;
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/**
 * The value quadlet's `Lookup` reads for `key` in `section`: the last one, trailing spaces
 * trimmed, every leading and trailing `"` removed (quadlet 5.4), or undefined when absent.
 */
export function lookupLast(
  entries: readonly UnitEntry[],
  section: string,
  key: string,
): string | undefined {
  const last = entries.findLast((e) => e.section === section && e.key === key);
  return last === undefined ? undefined : last.value.trimEnd().replace(/^"+|"+$/g, "");
}

/** A podman object a unit creates, as `kind:name` (`container:systemd-web`, `network:shared`). */
export type PodmanObject = `${"container" | "pod" | "network" | "volume"}:${string}`;

/**
 * The podman objects a unit creates, named as quadlet names them: `ContainerName=` or
 * `systemd-<service>` for a container, `PodName=` or `systemd-<file>` for a pod (and its
 * `-infra` container), `NetworkName=`/`VolumeName=` or `systemd-<file>` for networks and volumes.
 * Kube, image and build units name nothing hoist can know from the unit alone.
 *
 * @example
 * ```ts
 * podmanObjects({ path: "web.container", type: "container", serviceUnit: "web.service" }, []);
 * // ["container:systemd-web"]
 * ```
 */
export function podmanObjects(
  unit: { readonly path: string; readonly type: UnitType; readonly serviceUnit: string },
  entries: readonly UnitEntry[],
): PodmanObject[] {
  const section = TYPE_SECTION[unit.type];
  const file = unit.path.slice(unit.path.lastIndexOf("/") + 1);
  const base = file.slice(0, file.lastIndexOf("."));
  switch (unit.type) {
    case "container": {
      const name = lookupLast(entries, section, "ContainerName") ??
        `systemd-${unit.serviceUnit.replace(/\.service$/, "")}`;
      return [`container:${name}`];
    }
    case "pod": {
      const name = lookupLast(entries, section, "PodName") ?? `systemd-${base}`;
      return [`pod:${name}`, `container:${name}-infra`];
    }
    case "network":
      return [`network:${lookupLast(entries, section, "NetworkName") ?? `systemd-${base}`}`];
    case "volume":
      return [`volume:${lookupLast(entries, section, "VolumeName") ?? `systemd-${base}`}`];
    default:
      return [];
  }
}

/** The unit type of a file name, if quadlet reads it. */
export function unitTypeOf(fileName: string): UnitType | undefined {
  const dot = fileName.lastIndexOf(".");
  return dot < 0 ? undefined : UNIT_EXTENSIONS[fileName.slice(dot)];
}

/**
 * The systemd service quadlet generates for `fileName` (`web.container` → `web.service`,
 * `net.network` → `net-network.service`), honouring `ServiceName=`.
 */
export function generatedServiceName(
  fileName: string,
  type: UnitType,
  serviceName?: string,
): string {
  if (serviceName) return `${serviceName}.service`;
  const base = fileName.slice(0, fileName.lastIndexOf("."));
  return type === "container" || type === "kube" ? `${base}.service` : `${base}-${type}.service`;
}
