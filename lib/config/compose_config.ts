/**
 * The `[compose]` table of the agent config → {@link ComposePolicy}: what a compose file may ask
 * for on this host (`[compose.policy]`, pgo's policy checks), and the unmapped keys that are only
 * warnings here (`[compose] ignore`). Pure; `config_schema.ts` puts the schema in its
 * own.
 *
 * @module
 */
import { z } from "zod";

/** What compose files may ask for on this host; the defaults allow everything. */
export interface ComposePolicy {
  /** `privileged: true` allowed. */
  readonly privileged: boolean;
  /** `network_mode: host` allowed. */
  readonly networkModeHost: boolean;
  /** `ipc: host` allowed. */
  readonly ipcHost: boolean;
  /** `pid: host` allowed. */
  readonly pidHost: boolean;
  /** Capabilities `cap_add` may not name (upper case, without `CAP_`; `ALL` too). */
  readonly capAdd: readonly string[];
  /** `devices:` allowed. */
  readonly devices: boolean;
  /** Host folders absolute bind sources must lie in; undefined: anywhere. */
  readonly bindRoots: readonly string[] | undefined;
  /** Only bind mounts: named and anonymous volumes refused. */
  readonly bindOnly: boolean;
  /** External networks a project may join; empty: any. */
  readonly externalNetworks: readonly string[];
  /**
   * `[compose] ignore`: key paths (`services.web.deploy`) or key names (`deploy`) hoist does not
   * map that are warnings on this host instead of errors, as if every compose file listed them
   * in `x-hoist: {ignore: […]}`.
   */
  readonly ignore: readonly string[];
}

/** Everything allowed: a host with no `[compose.policy]`. */
export const OPEN_POLICY: ComposePolicy = {
  privileged: true,
  networkModeHost: true,
  ipcHost: true,
  pidHost: true,
  capAdd: [],
  devices: true,
  bindRoots: undefined,
  bindOnly: false,
  externalNetworks: [],
  ignore: [],
};

const absolute = z.string().startsWith("/", "must be an absolute path");

/** The schema of `[compose]`. */
export const composeSchema = z.strictObject({
  ignore: z.array(
    z.string().regex(/^[^\s]+$/, "must be a key path such as deploy or services.web.deploy"),
  )
    .optional(),
  policy: z.strictObject({
    privileged: z.boolean().optional(),
    network_mode_host: z.boolean().optional(),
    ipc_host: z.boolean().optional(),
    pid_host: z.boolean().optional(),
    cap_add: z.array(z.string().regex(/^[A-Za-z_]+$/, "must be a capability name")).optional(),
    devices: z.boolean().optional(),
    bind_roots: z.array(absolute).optional(),
    bind_only: z.boolean().optional(),
    external_networks: z.array(z.string().min(1, "must not be empty")).optional(),
  }).optional(),
});

/** `[compose]` as parsed → the host's policy and ignore list, defaults filled in. */
export function composePolicy(parsed: z.infer<typeof composeSchema> | undefined): ComposePolicy {
  const p = parsed?.policy ?? {};
  return {
    privileged: p.privileged ?? true,
    networkModeHost: p.network_mode_host ?? true,
    ipcHost: p.ipc_host ?? true,
    pidHost: p.pid_host ?? true,
    capAdd: (p.cap_add ?? []).map(capName),
    devices: p.devices ?? true,
    bindRoots: p.bind_roots?.map((r) => r.length > 1 ? r.replace(/\/+$/, "") : r),
    bindOnly: p.bind_only ?? false,
    externalNetworks: p.external_networks ?? [],
    ignore: parsed?.ignore ?? [],
  };
}

/** `cap_sys_admin`, `SYS_ADMIN`, `CAP_SYS_ADMIN` → `SYS_ADMIN`. */
export function capName(cap: string): string {
  return cap.toUpperCase().replace(/^CAP_/, "");
}
