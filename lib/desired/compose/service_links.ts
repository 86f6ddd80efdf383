/**
 * How a compose service reaches others: `networks` (with the service name as alias, so compose's
 * discovery works), `network_mode`, `depends_on`, and `ipc`/`pid` shared with another service.
 *
 * @module
 */
import type { CEntry } from "./compose_tree.ts";
import { describe, field, isTrue, items, keyPath, text } from "./nodes.ts";
import { resourceRef } from "./project_names.ts";
import { type KeyHandler, pathOf, scalarText, type ServiceCtx } from "./service_ctx.ts";
import { fail, unsupported } from "./unit_builder.ts";
import { literal } from "./unit_words.ts";

const NETWORK_KEYS = new Set([
  "aliases",
  "ipv4_address",
  "ipv6_address",
  "mac_address",
  "interface_name",
]);

/** `Network=` for compose network `key` with `options` (`alias=web,ip=…`), or undefined when undeclared. */
function joinNetwork(
  c: ServiceCtx,
  key: string,
  options: string[],
  line: number,
  path: string,
): void {
  const net = c.names.networks.get(key);
  if (net === undefined) {
    fail(
      c.d,
      path,
      line,
      `network ${JSON.stringify(key)} is not declared`,
      "Add it under the top-level networks:",
    );
    return;
  }
  c.usedNetworks.add(key);
  const value = `${resourceRef(net, "network")}:${["alias=" + c.name, ...options].join(",")}`;
  c.unit.add("Container", "Network", literal(value), line, path);
}

/** The default network, for a service with neither `networks` nor `network_mode`. */
export function defaultNetwork(c: ServiceCtx, line: number): void {
  joinNetwork(c, "default", [], line, c.path);
}

/** `networks` (a list of names, or a map of name → {aliases, ipv4_address, …}). */
export const networks: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  if (e.value.kind === "seq") {
    for (const [i, item] of e.value.items.entries()) {
      const name = scalarText(c, item, keyPath(path, i));
      if (name !== undefined) joinNetwork(c, name, [], item.line, keyPath(path, i));
    }
    return;
  }
  if (e.value.kind !== "map") {
    fail(c.d, path, e.value.line, `expected a list or a map, got ${describe(e.value)}`);
    return;
  }
  for (const x of e.value.entries) {
    const at = keyPath(path, x.key);
    const options: string[] = [];
    for (const o of x.value.kind === "map" ? x.value.entries : []) {
      const oat = keyPath(at, o.key);
      if (!NETWORK_KEYS.has(o.key)) {
        unsupported(c.d, oat, o.line);
        continue;
      }
      const values = o.key === "aliases" ? items(o.value).map(text) : [text(o.value)];
      if (values.some((v) => v === undefined || /[,\s]/.test(v))) {
        fail(c.d, oat, o.line, "expected plain names or addresses");
        continue;
      }
      const opt = {
        aliases: "alias",
        ipv4_address: "ip",
        ipv6_address: "ip6",
        mac_address: "mac",
        interface_name: "interface_name",
      }[o.key];
      options.push(...values.map((v) => `${opt}=${v ?? ""}`));
    }
    if (x.value.kind !== "map" && !(x.value.kind === "scalar" && x.value.value === null)) {
      fail(c.d, at, x.line, `expected a map or nothing, got ${describe(x.value)}`);
      continue;
    }
    joinNetwork(c, x.key, options, x.line, at);
  }
};

/** The container name of another compose service, for `service:x`; undefined after an error. */
function otherContainer(
  c: ServiceCtx,
  spec: string,
  path: string,
  line: number,
): string | undefined {
  const other = spec.slice("service:".length);
  const names = c.names.services.get(other);
  if (names === undefined || other === c.name) {
    fail(c.d, path, line, `${JSON.stringify(other)} is not another service of this file`);
    return undefined;
  }
  c.unit.add("Unit", "Requires", `${names.unit}.service`, line, path);
  c.unit.add("Unit", "After", `${names.unit}.service`, line, path);
  return names.container;
}

/** `network_mode`: `host`, `none`, `bridge`, `service:x`, `container:name`. */
export const networkMode: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  const t = scalarText(c, e.value, path);
  if (t === undefined) return;
  let value: string | undefined;
  if (t === "host" || t === "none" || t === "bridge") value = t;
  else if (t.startsWith("container:") && t.length > 10) value = t;
  else if (t.startsWith("service:")) {
    const other = otherContainer(c, t, path, e.value.line);
    if (other === undefined) return;
    value = `container:${other}`;
  } else {
    fail(
      c.d,
      path,
      e.value.line,
      `unknown network_mode ${JSON.stringify(t)}`,
      "Use host, none, bridge, service:NAME or container:NAME",
    );
    return;
  }
  c.unit.add("Container", "Network", literal(value), e.value.line, path);
};

/** `ipc` / `pid`: a mode podman knows, or `service:x` → `container:<its name>`. */
export function namespaceMode(option: "--ipc" | "--pid"): KeyHandler {
  return (e, c) => {
    const path = pathOf(c, e);
    const t = scalarText(c, e.value, path);
    if (t === undefined) return;
    const value = t.startsWith("service:") ? otherContainer(c, t, path, e.value.line) : t;
    if (value === undefined) return;
    if (!/^[A-Za-z0-9:_.\/-]+$/.test(value)) {
      fail(c.d, path, e.value.line, `${JSON.stringify(t)} is not valid here`);
      return;
    }
    const mode = t.startsWith("service:") ? `container:${value}` : value;
    c.unit.add("Container", "PodmanArgs", `${option}=${literal(mode)}`, e.value.line, path);
  };
}

const CONDITIONS = new Set([
  "service_started",
  "service_healthy",
  "service_completed_successfully",
]);

/**
 * `depends_on` (a list, or a map with `condition`, `required`, `restart`) → `Requires=` (or
 * `Wants=` when `required: false`) and `After=` on the dependency's unit; `service_healthy`
 * gives the dependency `Notify=healthy`, `service_completed_successfully` makes it a oneshot.
 */
export const dependsOn: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  const deps: { name: string; entry?: CEntry; line: number; at: string }[] = [];
  if (e.value.kind === "seq") {
    for (const [i, item] of e.value.items.entries()) {
      const name = scalarText(c, item, keyPath(path, i));
      if (name !== undefined) deps.push({ name, line: item.line, at: keyPath(path, i) });
    }
  } else if (e.value.kind === "map") {
    for (const x of e.value.entries) {
      deps.push({ name: x.key, entry: x, line: x.line, at: keyPath(path, x.key) });
    }
  } else {
    fail(c.d, path, e.value.line, `expected a list or a map, got ${describe(e.value)}`);
    return;
  }
  for (const dep of deps) {
    const names = c.names.services.get(dep.name);
    if (names === undefined || dep.name === c.name) {
      fail(
        c.d,
        dep.at,
        dep.line,
        `${JSON.stringify(dep.name)} is not another (active) service of this file`,
      );
      continue;
    }
    let condition = "service_started";
    let required = true;
    for (const o of dep.entry?.value.kind === "map" ? dep.entry.value.entries : []) {
      const at = keyPath(dep.at, o.key);
      const v = text(o.value);
      if (o.key === "condition" && v !== undefined && CONDITIONS.has(v)) condition = v;
      else if (o.key === "required") required = isTrue(o.value);
      else if (o.key === "restart" && isTrue(o.value)) continue; // Requires= restarts it with its dependency
      else if (o.key === "restart") {
        unsupported(
          c.d,
          at,
          o.line,
          "restart: false is not supported (Requires= restarts dependents)",
        );
      } else {fail(
          c.d,
          at,
          o.line,
          o.key === "condition" ? `unknown condition ${JSON.stringify(v)}` : "unknown key",
        );}
    }
    if (
      dep.entry && dep.entry.value.kind !== "map" &&
      field(dep.entry.value, "condition") === undefined &&
      !(dep.entry.value.kind === "scalar" && dep.entry.value.value === null)
    ) {
      fail(c.d, dep.at, dep.line, `expected a map, got ${describe(dep.entry.value)}`);
      continue;
    }
    const unit = `${names.unit}.service`;
    c.unit.add("Unit", required ? "Requires" : "Wants", unit, dep.line, dep.at);
    c.unit.add("Unit", "After", unit, dep.line, dep.at);
    if (condition === "service_healthy") c.healthy.add(dep.name);
    if (condition === "service_completed_successfully") c.completed.add(dep.name);
  }
};
