/**
 * {@link SERVICE_KEYS}: every key of a compose service and what hoist does with it, in one table.
 *
 * @module
 */
import { boolKey, type KeyHandler, many, one, podmanFlag, podmanOption } from "./service_ctx.ts";
import { healthcheck, restart, stopGracePeriod } from "./service_health.ts";
import {
  bytes,
  devices,
  domainname,
  extraHosts,
  logging,
  securityOpt,
  sysctls,
  ulimits,
} from "./service_host.ts";
import { dependsOn, namespaceMode, networkMode, networks } from "./service_links.ts";
import { expose, ports } from "./service_ports.ts";
import { command, entrypoint, envFile, environment, keyValues } from "./service_process.ts";
import { tmpfs, volumes } from "./service_volumes.ts";

/**
 * How a key is handled: a function that writes unit lines; `"project"` when the project reads it
 * (names, profiles, build, secrets); `"unsupported"` for compose keys quadlets cannot express
 * (an error, or a warning when x-hoist.ignore lists it).
 */
export type KeyRule = KeyHandler | "project" | "unsupported";

const NUMBER = /^-?\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/** Every compose service key (compose specification), mapped or refused. `x-` keys are ignored. */
export const SERVICE_KEYS: Readonly<Record<string, KeyRule>> = {
  annotations: keyValues("Annotation"),
  attach: "unsupported",
  blkio_config: "unsupported",
  build: "project",
  cap_add: many("AddCapability"),
  cap_drop: many("DropCapability"),
  cgroup: podmanOption("--cgroupns", /^(host|private)$/),
  cgroup_parent: podmanOption("--cgroup-parent"),
  command,
  configs: "project",
  container_name: "project",
  cpu_count: "unsupported",
  cpu_percent: "unsupported",
  cpu_period: podmanOption("--cpu-period", NUMBER),
  cpu_quota: podmanOption("--cpu-quota", NUMBER),
  cpu_rt_period: podmanOption("--cpu-rt-period", NUMBER),
  cpu_rt_runtime: podmanOption("--cpu-rt-runtime", NUMBER),
  cpu_shares: podmanOption("--cpu-shares", NUMBER),
  cpus: podmanOption("--cpus", DECIMAL),
  cpuset: podmanOption("--cpuset-cpus", /^[0-9,-]+$/),
  credential_spec: "unsupported",
  depends_on: dependsOn,
  deploy: "unsupported",
  develop: "unsupported",
  device_cgroup_rules: "unsupported",
  devices,
  dns: many("DNS"),
  dns_opt: many("DNSOption"),
  dns_search: many("DNSSearch"),
  domainname,
  entrypoint,
  env_file: envFile,
  environment,
  expose,
  extends: "project",
  external_links: "unsupported",
  extra_hosts: extraHosts,
  gpus: "unsupported",
  group_add: many("GroupAdd"),
  healthcheck,
  hostname: one("Container", "HostName", /^[A-Za-z0-9][A-Za-z0-9.-]*$/),
  image: "project",
  init: boolKey("RunInit"),
  ipc: namespaceMode("--ipc"),
  isolation: "unsupported",
  label_file: "unsupported",
  labels: keyValues("Label"),
  links: "unsupported",
  logging,
  mac_address: podmanOption("--mac-address", /^[0-9A-Fa-f:]+$/),
  mem_limit: bytes(undefined, "--memory"),
  mem_reservation: bytes(undefined, "--memory-reservation"),
  mem_swappiness: podmanOption("--memory-swappiness", NUMBER),
  memswap_limit: bytes(undefined, "--memory-swap"),
  models: "unsupported",
  network_mode: networkMode,
  networks,
  oom_kill_disable: podmanFlag("--oom-kill-disable"),
  oom_score_adj: podmanOption("--oom-score-adj", NUMBER),
  pid: namespaceMode("--pid"),
  pids_limit: one("Container", "PidsLimit", NUMBER),
  platform: podmanOption("--platform", /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/),
  ports,
  post_start: "unsupported",
  pre_stop: "unsupported",
  privileged: podmanFlag("--privileged"),
  profiles: "project",
  provider: "unsupported",
  pull_policy: "project",
  pull_refresh_after: "unsupported",
  read_only: boolKey("ReadOnly"),
  restart,
  runtime: podmanOption("--runtime", /^[A-Za-z0-9_.\/-]+$/),
  scale: "unsupported",
  secrets: "project",
  security_opt: securityOpt,
  shm_size: bytes("ShmSize"),
  stdin_open: podmanFlag("--interactive"),
  stop_grace_period: stopGracePeriod,
  stop_signal: one("Container", "StopSignal", /^(SIG)?[A-Z0-9+]+$|^\d+$/),
  storage_opt: "unsupported",
  sysctls,
  tmpfs,
  tty: podmanFlag("--tty"),
  ulimits,
  use_api_socket: "unsupported",
  user: one("Container", "User", /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/),
  userns_mode: one("Container", "UserNS", /^[A-Za-z0-9:=,_-]+$/),
  uts: podmanOption("--uts", /^(host|private)$/),
  volumes,
  volumes_from: "unsupported",
  working_dir: one("Container", "WorkingDir", /^\//, "Write an absolute path"),
};
