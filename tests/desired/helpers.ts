/**
 * Builders for desired-state tests: an in-memory {@link RepoTree} from a plain object, the seed
 * repository of homelab-gitops, and small accessors with clear failure messages.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Problem } from "../../lib/errors.ts";
import { readDesired, type ReadOptions } from "../../lib/desired/read_desired.ts";
import {
  type DesiredService,
  type DesiredState,
  type DesiredUnit,
  desiredUnits,
  type ReadyService,
  type RepoEntry,
  type RepoTree,
} from "../../lib/desired/types.ts";

/** One fake repository entry: text, raw bytes, a symlink, a file too large to read, or a folder. */
export type FakeEntry =
  | string
  | Uint8Array
  | { readonly symlink: string }
  | { readonly tooLarge: number }
  | { readonly dir: true };

/**
 * Builds a RepoTree from `path → entry`; every parent folder gets its own `dir` entry, as a
 * commit's tree would list it.
 */
export function repoTree(files: Record<string, FakeEntry>, revision = "rev1"): RepoTree {
  const entries = new Map<string, RepoEntry>();
  const addParents = (path: string) => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      entries.set(parts.slice(0, i).join("/"), { kind: "dir" });
    }
  };
  for (const [path, entry] of Object.entries(files)) {
    addParents(path);
    if (typeof entry === "string") {
      entries.set(path, { kind: "file", data: new TextEncoder().encode(entry) });
    } else if (entry instanceof Uint8Array) {
      entries.set(path, { kind: "file", data: entry });
    } else if ("symlink" in entry) {
      entries.set(path, { kind: "symlink", target: entry.symlink });
    } else if ("tooLarge" in entry) {
      entries.set(path, { kind: "too-large", size: entry.tooLarge });
    } else {
      entries.set(path, { kind: "dir" });
    }
  }
  return { revision, entries };
}

/** Read options for host `hostname_a` under `gitops/`, user mode. */
export const OPTS: ReadOptions = {
  path: "gitops",
  host: "hostname_a",
  prefix: "gitops-",
  mode: "user",
  stateDir: "/var/lib/hoist",
};

/** The host folder of {@link OPTS}. */
export const HOST = "gitops/hostname_a";

/** config.yml of the seed (homelab-gitops README), verbatim. */
export const SEED_CONFIG = `pre:
  script: |
    mkdir -p /var/mnt/volumes/caddy
services:
  service_a: {}
  service_b: {}
`;

/** service_a/manifest.yml of the seed, verbatim. */
export const SEED_MANIFEST_A = `Container:
  ContainerName:
    - caddy
  Image:
    - "docker.io/library/caddy:2.5.2-alpine"
  Volume:
    - "/var/mnt/volumes/caddy:/data:z"
    - "\${SERVICE_DIR}/service_a_config_file:/etc/caddy/Caddyfile:z"
  Network:
    - host
  HostName:
    - hostname_a
`;

/** The seed's repository: two services, each with a manifest and a config file. */
export function seedFiles(): Record<string, FakeEntry> {
  return {
    [`${HOST}/config.yml`]: SEED_CONFIG,
    [`${HOST}/service_a/manifest.yml`]: SEED_MANIFEST_A,
    [`${HOST}/service_a/service_a_config_file`]: ':80 {\n  respond "hello"\n}\n',
    [`${HOST}/service_b/manifest.yml`]:
      "Container:\n  Image:\n    - docker.io/library/nginx:1.27\n",
    [`${HOST}/service_b/service_b_config_file`]: "worker_processes 1;\n",
  };
}

/** A host with `config.yml` listing `services` and the given files under the host folder. */
export function hostFiles(
  services: readonly string[],
  files: Record<string, FakeEntry>,
): Record<string, FakeEntry> {
  const listed = services.map((s) => `  ${s}: {}\n`).join("");
  const out: Record<string, FakeEntry> = { [`${HOST}/config.yml`]: `services:\n${listed}` };
  for (const [path, entry] of Object.entries(files)) out[`${HOST}/${path}`] = entry;
  return out;
}

/** readDesired over `files` with {@link OPTS} (overridable). */
export function read(
  files: Record<string, FakeEntry>,
  opts: Partial<ReadOptions> = {},
): DesiredState {
  return readDesired(repoTree(files), { ...OPTS, ...opts });
}

/** The service called `name`, failing the test when it is absent. */
export function service(desired: DesiredState, name: string): DesiredService {
  const s = desired.services.find((x) => x.name === name);
  assert.ok(s, `no service ${name} in ${desired.services.map((x) => x.name).join(", ")}`);
  return s;
}

/** `s`, failing the test (with its problems) when it is blocked. */
export function asReady(s: DesiredService): ReadyService {
  if (s.status === "blocked") {
    assert.fail(`${s.name} is blocked: ${JSON.stringify(s.problems, null, 2)}`);
  }
  return s;
}

/** The service called `name`, failing the test when it is absent or blocked. */
export function ready(desired: DesiredState, name: string): ReadyService {
  return asReady(service(desired, name));
}

/** The unit written at `path` (relative to quadlet_dir), failing the test when it is absent. */
export function unit(s: DesiredService, path: string): DesiredUnit {
  const units = desiredUnits(s);
  const u = units.find((x) => x.path === path);
  assert.ok(u, `no unit ${path} in ${units.map((x) => x.path).join(", ")} (${s.status})`);
  return u;
}

/** Reads a single service `svc` from `files` (paths relative to its folder). */
export function readOne(svc: string, files: Record<string, FakeEntry>): DesiredService {
  const prefixed: Record<string, FakeEntry> = {};
  for (const [path, entry] of Object.entries(files)) prefixed[`${svc}/${path}`] = entry;
  return service(read(hostFiles([svc], prefixed)), svc);
}

/** {@link readOne}, failing the test when the service is blocked. */
export function readyOne(svc: string, files: Record<string, FakeEntry>): ReadyService {
  return asReady(readOne(svc, files));
}

/** Asserts `s` is blocked: no units, no files, no hash (nothing but its name), and an error. */
export function assertBlocked(s: DesiredService): void {
  assert.equal(s.status, "blocked", `${s.name} should be blocked`);
  assert.deepEqual(
    Object.keys(s).sort(),
    ["dependsOn", "name", "problems", "status"],
    `${s.name} should have no units, files or hash`,
  );
  assert.ok(s.problems.some((p) => p.level === "error"), `${s.name} should have an error`);
}

/** The only error among `problems`, failing the test when there are none or several. */
export function onlyError(problems: readonly Problem[]): Problem {
  const errors = problems.filter((p) => p.level === "error");
  assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(errors, null, 2)}`);
  return errors[0]!;
}

/** The hash value in a `Label=gitops-hash=…` line of `content`. */
export function hashLabel(content: string): string | undefined {
  return /^Label=gitops-hash=(.*)$/m.exec(content)?.[1];
}
