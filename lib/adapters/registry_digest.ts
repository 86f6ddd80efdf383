/**
 * The digest a registry gives for a tag now, without pulling: one `HEAD /v2/<name>/manifests/<tag>`
 * (the distribution API that podman, skopeo and Docker use), answering `Docker-Content-Digest`.
 * podman 5.4 has no command for it (`podman manifest inspect` refuses single-image manifests,
 * `podman pull` has no `--policy`), so hoist asks the registry itself.
 *
 * Contract:
 * - https, except for loopback registries (`localhost`, `127.0.0.1`, `[::1]`), which are tried
 *   with https and then plain http, as podman treats them;
 * - `docker.io` is `registry-1.docker.io`; a path without a `/` there is `library/<path>`;
 * - authentication: a 401 with `Basic` is retried with the login; with `Bearer realm=…,
 *   service=…, scope=…` a token is fetched from the realm (with the login when there is one,
 *   anonymously otherwise) and the request retried with it;
 * - the login never appears in an error; errors name the image and the registry's status.
 *
 * @module
 */
import { HoistError } from "../errors.ts";

/** A registry login (from hoist's `[[registries]]`). */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** What is asked: `registry/path:tag`. */
export interface RemoteRef {
  readonly text: string;
  readonly registry: string;
  readonly path: string;
  readonly tag: string;
}

/** Asks registries for digests. */
export interface RegistryDigests {
  /** The digest `ref`'s tag names on its registry now; throws a HoistError saying why not. */
  digest(ref: RemoteRef, login: RegistryCredentials | undefined): Promise<string>;
}

/** The media types hoist accepts: a multi-arch list's digest is the one podman records too. */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Where the API of `registry` is, as podman reaches it. */
export function registryBases(registry: string): string[] {
  const host = registry === "docker.io" || registry === "index.docker.io"
    ? "registry-1.docker.io"
    : registry;
  const name = host.replace(/:\d+$/, "");
  const loopback = name === "localhost" || name === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(name);
  return loopback ? [`https://${host}`, `http://${host}`] : [`https://${host}`];
}

/** The repository name the API wants (`library/redis` for Docker Hub's `redis`). */
export function repositoryName(ref: Pick<RemoteRef, "registry" | "path">): string {
  const hub = ref.registry === "docker.io" || ref.registry === "index.docker.io";
  return hub && !ref.path.includes("/") ? `library/${ref.path}` : ref.path;
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters; undefined for another scheme. */
export function parseChallenge(
  header: string | null,
): { scheme: "basic" } | { scheme: "bearer"; params: Record<string, string> } | undefined {
  if (header === null) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme === "basic") return { scheme: "basic" };
  if (scheme !== "bearer") return undefined;
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)) {
    if (p[1] !== undefined && p[2] !== undefined) params[p[1].toLowerCase()] = p[2];
  }
  return { scheme: "bearer", params };
}

/** Creates the adapter around `fetch` (a test may pass its own). */
export function createRegistryDigests(
  opts: { readonly timeoutMs: number; readonly fetch?: typeof fetch },
): RegistryDigests {
  const get = opts.fetch ?? fetch;
  const call = (url: string, headers: Record<string, string>, method = "HEAD") =>
    get(url, { method, headers, signal: AbortSignal.timeout(opts.timeoutMs) });
  const basic = (l: RegistryCredentials) =>
    `Basic ${
      btoa(String.fromCharCode(...new TextEncoder().encode(`${l.username}:${l.password}`)))
    }`;
  return {
    async digest(ref, login) {
      const fail = (why: string, hint: string) =>
        new HoistError("command-failed", `cannot check ${ref.text}: ${why}`, hint);
      const name = repositoryName(ref);
      let lastError = "";
      for (const base of registryBases(ref.registry)) {
        const url = `${base}/v2/${name}/manifests/${encodeURIComponent(ref.tag)}`;
        const accept = { Accept: MANIFEST_ACCEPT };
        let r: Response;
        try {
          r = await call(url, accept);
          await r.body?.cancel();
          if (r.status === 401) {
            const challenge = parseChallenge(r.headers.get("www-authenticate"));
            let authorization: string | undefined;
            if (challenge?.scheme === "basic" && login !== undefined) authorization = basic(login);
            if (challenge?.scheme === "bearer") {
              const { realm, service, scope } = challenge.params;
              if (realm === undefined) throw fail("the registry's challenge has no realm", "");
              const u = new URL(realm);
              if (service !== undefined) u.searchParams.set("service", service);
              u.searchParams.set("scope", scope ?? `repository:${name}:pull`);
              const t = await call(
                u.toString(),
                login === undefined ? {} : { Authorization: basic(login) },
                "GET",
              );
              const body = t.ok ? await t.json().catch(() => ({})) : (await t.body?.cancel(), {});
              const token = (body as { token?: unknown; access_token?: unknown }).token ??
                (body as { access_token?: unknown }).access_token;
              if (typeof token === "string") authorization = `Bearer ${token}`;
            }
            if (authorization !== undefined) {
              r = await call(url, { ...accept, Authorization: authorization });
              await r.body?.cancel();
            }
          }
        } catch (e) {
          if (e instanceof HoistError) throw e;
          lastError = e instanceof DOMException && e.name === "TimeoutError"
            ? `no answer within ${opts.timeoutMs / 1000} s`
            : (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
          continue; // the next base (http for a loopback registry), else the error below
        }
        const digest = r.headers.get("docker-content-digest") ?? "";
        if (r.ok && /^sha256:[0-9a-f]{64}$/.test(digest)) return digest;
        if (r.ok) {
          throw fail(
            "the registry gave no digest",
            "Use a registry that implements the distribution API",
          );
        }
        throw fail(statusText(r.status), statusHint(r.status));
      }
      throw fail(
        `cannot reach ${ref.registry} (${lastError})`,
        "Check that the registry answers from this host",
      );
    },
  };
}

function statusText(status: number): string {
  switch (status) {
    case 401:
      return "the registry refused the credentials (401 unauthorized)";
    case 403:
      return "the registry denied access (403 forbidden)";
    case 404:
      return "no such image or tag on the registry (404)";
    case 429:
      return "the registry is rate limiting this host (429 too many requests)";
    default:
      return `the registry answered ${status}`;
  }
}

function statusHint(status: number): string {
  if (status === 401 || status === 403) {
    return "Give hoist this registry's credentials ([[registries]] in the agent config)";
  }
  if (status === 404) return "Check the image name and tag";
  if (status === 429) return "Check less often ([images] check_every) or log in for a higher limit";
  return "Check that the registry answers from this host";
}
