/**
 * {@link ProjectNames}: what each compose service, network and volume is called on the host and
 * in unit file names, decided once for the whole file.
 *
 * Resource names follow compose so an existing deployment migrates in place: networks and
 * volumes `<project>_<name>` (their `name:` wins; `external:` ones keep their name and get no
 * unit), containers their `container_name` or `<project>-<service>`. Nothing is renamed: a name
 * podman would refuse is an error. Unit files are `<prefix><resource name>.<type>`, so systemd
 * units carry hoist's prefix as manifest units do (`gitops-blog-web.service`,
 * `gitops-blog_default-network.service`).
 *
 * @module
 */

/** Names podman accepts for containers, networks and volumes. */
export const PODMAN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A compose service's container. */
export interface ContainerNames {
  /** `ContainerName=`. */
  readonly container: string;
  /** Unit file name without `.container`; its systemd unit is `<unit>.service`. */
  readonly unit: string;
}

/** A network or volume: its podman name and, unless external, its unit file's base name. */
export interface ResourceNames {
  readonly name: string;
  /** Absent for `external:` resources, which hoist references but never creates. */
  readonly unit?: string;
}

/** Every name of one compose project. */
export interface ProjectNames {
  readonly project: string;
  readonly prefix: string;
  readonly services: ReadonlyMap<string, ContainerNames>;
  readonly networks: ReadonlyMap<string, ResourceNames>;
  readonly volumes: ReadonlyMap<string, ResourceNames>;
}

/** The unit name of a network or volume that is not external: `<prefix><name>`. */
export function resourceNames(
  prefix: string,
  project: string,
  key: string,
  explicit: string | undefined,
  external: boolean,
): ResourceNames {
  const name = explicit ?? (external ? key : `${project}_${key}`);
  return external ? { name } : { name, unit: `${prefix}${name}` };
}

/** A container's names: `container_name`, or `<project>-<service>`. */
export function containerNames(
  prefix: string,
  project: string,
  service: string,
  containerName: string | undefined,
): ContainerNames {
  const container = containerName ?? `${project}-${service}`;
  return { container, unit: `${prefix}${container}` };
}

/** How a `Network=`/`Volume=` value names a resource: its unit file, or its name when external. */
export function resourceRef(r: ResourceNames, type: "network" | "volume"): string {
  return r.unit === undefined ? r.name : `${r.unit}.${type}`;
}
