/**
 * Quadlet's naming rules: which file extensions it reads and which systemd service each produces.
 *
 * @module
 */
import type { UnitType } from "./types.ts";

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
