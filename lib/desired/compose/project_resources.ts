/**
 * The top-level `networks` and `volumes` of a compose file → their names and `.network` /
 * `.volume` units (`secrets` and `configs`: `file_objects.ts`).
 *
 * @module
 */
import type { CEntry, CNode } from "./compose_tree.ts";
import { describe, field, isTrue, items, keyPath, pairs, text } from "./nodes.ts";
import { PODMAN_NAME, type ResourceNames, resourceNames } from "./project_names.ts";
import { type Diagnostics, fail, UnitBuilder, unsupported } from "./unit_builder.ts";
import { literal, word } from "./unit_words.ts";

/** One declared network or volume: its names and the compose entry it comes from. */
export interface Resource {
  readonly key: string;
  readonly names: ResourceNames;
  readonly line: number;
  readonly node: CNode;
}

/**
 * The declared networks or volumes (`default` added to networks when not declared), named;
 * problems for names podman refuses and for values that are not maps.
 */
export function declaredResources(
  d: Diagnostics,
  kind: "networks" | "volumes",
  node: CNode | undefined,
  project: string,
  prefix: string,
): Resource[] {
  const out: Resource[] = [];
  if (
    node !== undefined && node.kind !== "map" && !(node.kind === "scalar" && node.value === null)
  ) {
    fail(d, kind, node.line, `expected a map, got ${describe(node)}`);
    return out;
  }
  for (const e of node?.kind === "map" ? node.entries : []) {
    const path = keyPath(kind, e.key);
    if (e.value.kind !== "map" && !(e.value.kind === "scalar" && e.value.value === null)) {
      fail(d, path, e.line, `expected a map or nothing, got ${describe(e.value)}`);
      continue;
    }
    const explicit = field(e.value, "name");
    const external = field(e.value, "external");
    const names = resourceNames(
      prefix,
      project,
      e.key,
      explicit ? text(explicit.value) : undefined,
      external !== undefined && isTrue(external.value),
    );
    if (!PODMAN_NAME.test(names.name)) {
      fail(
        d,
        path,
        e.line,
        `${JSON.stringify(names.name)} is not a name podman accepts`,
        "Use letters, digits, '_', '.' and '-', starting with a letter or digit",
      );
      continue;
    }
    out.push({ key: e.key, names, line: e.line, node: e.value });
  }
  if (kind === "networks" && !out.some((r) => r.key === "default")) {
    const names = resourceNames(prefix, project, "default", undefined, false);
    out.push({
      key: "default",
      names,
      line: node?.line ?? 1,
      node: { kind: "scalar", line: 1, value: null, text: "" },
    });
  }
  return out;
}

const NETWORK_KEYS: Record<string, string | undefined> = {
  name: undefined,
  external: undefined,
  driver: "Driver",
  internal: "Internal",
  enable_ipv6: "IPv6",
};

/** The `.network` unit of a declared network that is not external. */
export function networkUnit(d: Diagnostics, r: Resource): UnitBuilder {
  const unit = new UnitBuilder(d);
  const path = keyPath("networks", r.key);
  unit.add("Network", "NetworkName", literal(r.names.name), r.line, path);
  for (const e of r.node.kind === "map" ? r.node.entries : []) {
    const at = keyPath(path, e.key);
    const key = NETWORK_KEYS[e.key];
    const t = text(e.value);
    if (e.key in NETWORK_KEYS) {
      if (key === undefined || t === undefined) continue;
      if (e.key === "driver" && t === "bridge") continue;
      unit.add("Network", key, literal(t), e.line, at);
    } else if (e.key === "labels") labels(d, unit, "Network", e, at);
    else if (e.key === "driver_opts") {
      for (const o of pairs(e.value) ?? []) {
        unit.add(
          "Network",
          "Options",
          literal(`${o.key}=${o.value ?? ""}`),
          o.line,
          keyPath(at, o.key),
        );
      }
    } else if (e.key === "ipam") ipam(d, unit, e.value, at);
    else unsupported(d, at, e.line);
  }
  return unit;
}

/** `ipam: {driver, config: [{subnet, ip_range, gateway}]}` → `IPAMDriver=`, `Subnet=`, `IPRange=`, `Gateway=`. */
function ipam(d: Diagnostics, unit: UnitBuilder, node: CNode, path: string): void {
  for (const e of node.kind === "map" ? node.entries : []) {
    const at = keyPath(path, e.key);
    if (e.key === "driver" && text(e.value) !== undefined) {
      if (text(e.value) !== "default") {
        unit.add("Network", "IPAMDriver", literal(text(e.value) ?? ""), e.line, at);
      }
    } else if (e.key === "config") {
      for (const [i, cfg] of items(e.value).entries()) {
        for (const x of cfg.kind === "map" ? cfg.entries : []) {
          const key = { subnet: "Subnet", ip_range: "IPRange", gateway: "Gateway" }[x.key];
          const t = text(x.value);
          if (key !== undefined && t !== undefined) {
            unit.add("Network", key, literal(t), x.line, keyPath(keyPath(at, i), x.key));
          } else unsupported(d, keyPath(keyPath(at, i), x.key), x.line);
        }
      }
    } else unsupported(d, at, e.line);
  }
}

/** The `.volume` unit of a declared volume that is not external. */
export function volumeUnit(d: Diagnostics, r: Resource): UnitBuilder {
  const unit = new UnitBuilder(d);
  const path = keyPath("volumes", r.key);
  unit.add("Volume", "VolumeName", literal(r.names.name), r.line, path);
  for (const e of r.node.kind === "map" ? r.node.entries : []) {
    const at = keyPath(path, e.key);
    const t = text(e.value);
    if (e.key === "name" || e.key === "external") continue;
    if (e.key === "driver") {
      if (t !== undefined && t !== "local") unit.add("Volume", "Driver", literal(t), e.line, at);
    } else if (e.key === "labels") labels(d, unit, "Volume", e, at);
    else if (e.key === "driver_opts") {
      for (const o of pairs(e.value) ?? []) {
        const key = { type: "Type", device: "Device", o: "Options" }[o.key];
        if (key === undefined) unsupported(d, keyPath(at, o.key), o.line);
        else unit.add("Volume", key, literal(o.value ?? ""), o.line, keyPath(at, o.key));
      }
    } else unsupported(d, at, e.line);
  }
  return unit;
}

function labels(
  d: Diagnostics,
  unit: UnitBuilder,
  section: "Network" | "Volume",
  e: CEntry,
  at: string,
): void {
  const list = pairs(e.value);
  if (list === undefined) {
    fail(d, at, e.line, `expected a map or a list of key=value, got ${describe(e.value)}`);
  }
  for (const l of list ?? []) {
    unit.add(section, "Label", word(`${l.key}=${l.value ?? ""}`), l.line, keyPath(at, l.key));
  }
}
