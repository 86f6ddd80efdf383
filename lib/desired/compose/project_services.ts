/**
 * The services of a compose file: which are active (profiles), and what each is called.
 *
 * @module
 */
import type { CEntry } from "./compose_tree.ts";
import { describe, field, items, keyPath, text } from "./nodes.ts";
import { type ContainerNames, containerNames, PODMAN_NAME } from "./project_names.ts";
import { type Diagnostics, fail } from "./unit_builder.ts";

/** Most services one compose file may hold. */
export const MAX_SERVICES = 200;

/** The services to deploy: those without `profiles`, and those with a profile x-hoist.profiles lists. */
export function activeServices(
  d: Diagnostics,
  services: CEntry | undefined,
  hoist: CEntry | undefined,
): CEntry[] {
  if (services === undefined || services.value.kind !== "map") {
    fail(
      d,
      "services",
      services?.line ?? 1,
      services
        ? `expected a map, got ${describe(services.value)}`
        : "a compose file needs services:",
    );
    return [];
  }
  if (services.value.entries.length > MAX_SERVICES) {
    fail(
      d,
      "services",
      services.line,
      `${services.value.entries.length} services; hoist converts at most ${MAX_SERVICES} per file`,
      "Split the project into several service folders",
    );
    return [];
  }
  const profiles = hoist ? field(hoist.value, "profiles") : undefined;
  const active = new Set(profiles ? items(profiles.value).map(text) : []);
  return services.value.entries.filter((s) => {
    if (s.value.kind !== "map") {
      fail(d, keyPath("services", s.key), s.line, `expected a map, got ${describe(s.value)}`);
      return false;
    }
    const p = field(s.value, "profiles");
    return p === undefined || items(p.value).some((x) => active.has(text(x)));
  });
}

/** Each active service's container and unit names; errors for names podman refuses or two services share. */
export function serviceNames(
  d: Diagnostics,
  services: readonly CEntry[],
  project: string,
  prefix: string,
): Map<string, ContainerNames> {
  const out = new Map<string, ContainerNames>();
  const taken = new Map<string, string>();
  for (const s of services) {
    const path = keyPath("services", s.key);
    const cn = field(s.value, "container_name");
    const names = containerNames(prefix, project, s.key, cn ? text(cn.value) : undefined);
    if (!/^[A-Za-z0-9._-]+$/.test(s.key)) {
      fail(d, path, s.line, "a service name uses letters, digits, '.', '_' and '-'");
      continue;
    }
    if (!PODMAN_NAME.test(names.container)) {
      fail(
        d,
        keyPath(path, "container_name"),
        cn?.line ?? s.line,
        `${JSON.stringify(names.container)} is not a name podman accepts`,
        "Use letters, digits, '_', '.' and '-', starting with a letter or digit",
      );
      continue;
    }
    const other = taken.get(names.container);
    if (other !== undefined) {
      fail(
        d,
        path,
        s.line,
        `container name ${names.container} is also ${other}'s`,
        "Give each service its own container_name",
      );
      continue;
    }
    taken.set(names.container, s.key);
    out.set(s.key, names);
  }
  return out;
}
