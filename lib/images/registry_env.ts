/**
 * {@link withRegistryAuth}: `REGISTRY_AUTH_FILE` for the pulls quadlet-generated services make
 * themselves (a `podman run` or an `.image` unit's `podman image pull` at start). Pure.
 *
 * Only units whose image is on a registry `[[registries]]` has credentials for get it: a unit of
 * another registry keeps podman's own login (`podman login`), and a service with no registry
 * image (`localhost/…`, a `.build`) is not changed, so configuring credentials restarts only the
 * services that pull from those registries. The line is not part of the service hash (it comes
 * from the agent config, not the commit): a unit gaining or losing it is rewritten as "file on
 * disk differs" and its service restarted once, so the environment reaches the running unit.
 *
 * @module
 */
import type { DesiredState, DesiredUnit, ReadyService } from "../desired/types.ts";
import { parseImageRef, registryOf } from "./image_ref.ts";
import { unitImage } from "./unit_images.ts";

/** hoist's auth file and the registry hosts it holds credentials for. */
export interface RegistryAuthEnv {
  readonly file: string;
  readonly hosts: readonly string[];
}

/**
 * `desired` with `[Service] Environment=REGISTRY_AUTH_FILE=…` added to each container and
 * `.image` unit whose `Image=` names a registry in `auth.hosts`; `desired` itself when none does.
 *
 * @example
 * ```ts
 * withRegistryAuth(desired, { file: "/var/lib/hoist/auth.json", hosts: ["ghcr.io"] });
 * ```
 */
export function withRegistryAuth(
  desired: DesiredState,
  auth: RegistryAuthEnv | undefined,
): DesiredState {
  if (auth === undefined || auth.hosts.length === 0) return desired;
  const hosts = new Set(auth.hosts);
  let changed = false;
  const services = desired.services.map((s) => {
    // a service of another account (user =) cannot read hoist's auth file: it pulls with its own podman login
    if (s.status !== "ready" || s.user !== undefined) return s;
    const units = s.units.map((u) => {
      const host = imageHost(u);
      if (host === undefined || !hosts.has(host)) return u;
      changed = true;
      return { ...u, content: withAuthLine(u.content, auth.file, host) };
    });
    return units.every((u, i) => u === s.units[i]) ? s : { ...s, units } as ReadyService;
  });
  return changed ? { ...desired, services } : desired;
}

/** The registry of a container's or `.image` unit's `Image=`, when it names one. */
function imageHost(u: DesiredUnit): string | undefined {
  const image = unitImage(u);
  if (image === undefined || /\.(image|build)$/.test(image)) return undefined;
  const ref = parseImageRef(image);
  return typeof ref === "string" ? undefined : registryOf(ref);
}

function withAuthLine(content: string, file: string, host: string): string {
  // systemd expands % specifiers and splits on spaces: escape and quote the path when needed
  const value = `REGISTRY_AUTH_FILE=${file.replaceAll("%", "%%")}`;
  const quoted = /[\s"\\]/.test(value) ? `"${value.replace(/[\\"]/g, "\\$&")}"` : value;
  const sep = content === "" || content.endsWith("\n") ? "" : "\n";
  return `${content}${sep}\n[Service]\n# hoist: credentials for ${host} from [[registries]]\n` +
    `Environment=${quoted}\n`;
}
