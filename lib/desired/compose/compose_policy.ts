/**
 * {@link policyProblems}: what `[compose.policy]` refuses in a compose file (pgo's checks), pure.
 * Each violation is an error at its line naming the policy key, so the project deploys nothing
 * while other services do.
 *
 * @module
 */
import { posix } from "node:path";
import { capName, type ComposePolicy } from "../../config/compose_config.ts";
import type { CEntry, CNode } from "./compose_tree.ts";
import { field, items, keyPath, text } from "./nodes.ts";
import type { Resource } from "./project_resources.ts";
import { type Diagnostics, fail } from "./unit_builder.ts";

const ALLOW = "or allow it in the agent config's [compose.policy]";

/**
 * Errors for what the policy refuses: `privileged: true`, `network_mode: host`, `ipc: host`,
 * `pid: host`, a denied `cap_add`, `devices`, an absolute bind source outside `bind_roots`, a
 * named or anonymous volume under `bind_only`, an external network not in `external_networks`.
 *
 * @example
 * ```ts
 * policyProblems(d, services, networks, { ...OPEN_POLICY, privileged: false });
 * d.problems[0]?.message; // "services.web.privileged: refused by [compose.policy] privileged = false"
 * ```
 */
export function policyProblems(
  d: Diagnostics,
  services: readonly CEntry[],
  networks: readonly Resource[],
  policy: ComposePolicy,
): void {
  for (const s of services) {
    if (s.value.kind !== "map") continue;
    const path = keyPath("services", s.key);
    for (const e of s.value.entries) checkKey(d, keyPath(path, e.key), e, policy);
  }
  if (policy.externalNetworks.length === 0) return;
  for (const r of networks) {
    const external = r.names.unit === undefined;
    if (!external || policy.externalNetworks.includes(r.names.name)) continue;
    fail(
      d,
      keyPath("networks", r.key),
      r.line,
      `external network ${
        JSON.stringify(r.names.name)
      } is refused by [compose.policy] external_networks (${policy.externalNetworks.join(", ")})`,
      `Join one of those, ${ALLOW}`,
    );
  }
}

function checkKey(d: Diagnostics, path: string, e: CEntry, policy: ComposePolicy): void {
  const refuse = (line: number, what: string, key: string) =>
    fail(d, path, line, `${what} is refused by [compose.policy] ${key}`, `Remove it, ${ALLOW}`);
  const is = (v: string) => text(e.value) === v;
  switch (e.key) {
    case "privileged":
      if (!policy.privileged && e.value.kind === "scalar" && e.value.value === true) {
        refuse(e.line, "privileged: true", "privileged = false");
      }
      return;
    case "network_mode":
      if (!policy.networkModeHost && is("host")) {
        refuse(e.line, "network_mode: host", "network_mode_host = false");
      }
      return;
    case "ipc":
      if (!policy.ipcHost && is("host")) refuse(e.line, "ipc: host", "ipc_host = false");
      return;
    case "pid":
      if (!policy.pidHost && is("host")) refuse(e.line, "pid: host", "pid_host = false");
      return;
    case "devices":
      if (!policy.devices && items(e.value).length > 0) {
        refuse(e.line, "devices", "devices = false");
      }
      return;
    case "cap_add":
      for (const [i, item] of items(e.value).entries()) {
        const cap = text(item);
        if (cap === undefined || !policy.capAdd.includes(capName(cap))) continue;
        fail(
          d,
          e.value.kind === "seq" ? keyPath(path, i) : path,
          item.line,
          `cap_add ${cap} is refused by [compose.policy] cap_add`,
          `Remove it, ${ALLOW}`,
        );
      }
      return;
    case "volumes":
      for (const [i, item] of items(e.value).entries()) {
        checkMount(d, e.value.kind === "seq" ? keyPath(path, i) : path, item, policy);
      }
      return;
  }
}

/** A mount: its kind and source, whatever syntax it is written in. */
function mountOf(node: CNode): { kind: "bind" | "volume" | "other"; source?: string } {
  if (node.kind === "map") {
    const get = (k: string) => {
      const f = field(node, k);
      return f ? text(f.value) : undefined;
    };
    const type = get("type");
    const source = get("source");
    if (type === "bind") return { kind: "bind", ...(source === undefined ? {} : { source }) };
    return { kind: type === "volume" ? "volume" : "other" };
  }
  const spec = text(node) ?? "";
  const parts = spec.split(":");
  const src = parts[0] ?? "";
  if (parts.length === 1) return { kind: "volume" };
  return /^[/.~]/.test(src) ? { kind: "bind", source: src } : { kind: "volume" };
}

function checkMount(d: Diagnostics, path: string, node: CNode, policy: ComposePolicy): void {
  const mount = mountOf(node);
  if (mount.kind === "volume" && policy.bindOnly) {
    fail(
      d,
      path,
      node.line,
      "a volume is refused by [compose.policy] bind_only = true",
      `Bind a host folder instead, ${ALLOW}`,
    );
  }
  const roots = policy.bindRoots;
  const source = mount.source;
  if (mount.kind !== "bind" || roots === undefined || source === undefined) return;
  if (!source.startsWith("/")) return; // files of the service's own copy
  const host = posix.normalize(source);
  if (roots.some((r) => r === "/" || host === r || host.startsWith(`${r}/`))) return;
  fail(
    d,
    path,
    node.line,
    `bind source ${host} is outside [compose.policy] bind_roots (${roots.join(", ")})`,
    `Keep host data under ${roots.join(" or ")}, ${ALLOW}`,
  );
}
