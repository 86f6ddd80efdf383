/**
 * The Caddyfile snippet made from every service's `urls` (pgo's `urls`; config.yml's, else the
 * agent config's `[services.<name>] urls`, see {@link ./with_agent_urls.ts}): one site
 * block per hostname, sorted, each proxying to one container of its service by the container's
 * name. Pure and deterministic: the same routes give the same bytes, so hoist rewrites the file
 * (and reloads Caddy) only when a route changed.
 *
 * Which upstream: `NAME:PORT` names one container of the service, matched in this order (the
 * first rule that matches exactly one wins; two matches are an error):
 * 1. its podman name (`ContainerName=`, compose's `container_name` or `<project>-<service>`,
 *    quadlet's default `systemd-<unit>`);
 * 2. its unit file's name without `.container`, with or without hoist's unit prefix (`web` for
 *    `gitops-web.container` or for a raw `web.container`);
 * 3. its compose service's name (a container named `<project>-NAME`);
 * 4. the hoist service's own name, when the service has exactly one container.
 *
 * The snippet names the container by its podman name, which is what a Caddy container on a
 * shared podman network resolves (aardvark-dns): `reverse_proxy systemd-gitops-web:8080`. A
 * service that runs as another account (`user`) has its containers in that account's rootless
 * podman, whose networks and names a Caddy of hoist's own podman does not see: its routes are
 * still written (a Caddy running as that same account reaches them), with a warning.
 *
 * @module
 */
import { hasErrors, type Problem, problem } from "../errors.ts";
import type { ProxyUrl } from "./proxy_urls.ts";
import { podmanObjects } from "./quadlet_names.ts";
import type { DesiredState, ReadyService } from "./types.ts";
import { unitEntries } from "./unit_text.ts";

/** One site of the snippet. */
export interface ProxyRoute {
  readonly host: string;
  readonly service: string;
  /** `container:port`. */
  readonly upstream: string;
}

/** The snippet, or why none can be written this run. */
export interface ProxySnippet {
  /** Sorted by hostname. */
  readonly routes: readonly ProxyRoute[];
  /** The file's text; undefined when a problem keeps the snippet as it is. */
  readonly text: string | undefined;
  readonly problems: readonly Problem[];
}

const UPSTREAM = /^[A-Za-z0-9][A-Za-z0-9_.-]*:[0-9]{1,5}$/;

/** The first line of the snippet. */
export const SNIPPET_HEADER =
  "# Written by hoist from the services' urls; do not edit (it is rewritten).";

/**
 * Routes and text of the snippet for the desired services. An error in config.yml itself (no
 * service is known), an error (a hostname claimed twice, a target
 * naming no container) or a blocked service with `urls` (its containers are not known this run)
 * leaves the snippet as it is: `text` is undefined.
 *
 * @example
 * ```ts
 * const { text } = proxySnippet(desired, "gitops-");
 * // "# Written by hoist …\n\napp.example.org {\n\treverse_proxy systemd-gitops-web:8080\n}\n"
 * ```
 */
export function proxySnippet(
  desired: Pick<DesiredState, "services" | "problems">,
  prefix: string,
): ProxySnippet {
  // config.yml did not read: no service says its urls, which must not empty the snippet
  if (hasErrors(desired.problems)) return { routes: [], text: undefined, problems: [] };
  const services = desired.services;
  const problems: Problem[] = [];
  const claims = new Map<string, { service: string; file: string; url: ProxyUrl }[]>();
  const blocked: string[] = [];
  const routes: ProxyRoute[] = [];
  for (const s of services) {
    if (s.urls === undefined || s.urls.urls.length === 0) continue;
    const file = s.urls.file;
    for (const url of s.urls.urls) {
      claims.set(url.host, [...(claims.get(url.host) ?? []), { service: s.name, file, url }]);
    }
    if (s.status === "blocked") {
      blocked.push(s.name);
      continue;
    }
    const user = s.user?.name;
    const routed: ProxyRoute[] = [];
    for (const url of s.urls.urls) {
      const found = upstreamOf(s, url, prefix);
      // the grammar of podman names already keeps these plain; checked again as they are written
      if (typeof found === "string" && UPSTREAM.test(`${found}:${url.port}`)) {
        routed.push({ host: url.host, service: s.name, upstream: `${found}:${url.port}` });
      } else {
        const why = typeof found === "string"
          ? { error: `${found} is not a plain container name`, hint: "Set ContainerName=" }
          : found;
        problems.push(problem("error", why.error, {
          file,
          line: url.line,
          service: s.name,
          hint: why.hint,
        }));
      }
    }
    routes.push(...routed);
    if (user !== undefined && routed.length > 0) {
      problems.push(otherAccount(s.name, user, file, s.urls.urls[0]?.line, routed));
    }
  }
  for (const [host, cs] of [...claims].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (cs.length < 2) continue;
    const first = cs[0]!;
    for (const c of cs.slice(1)) {
      problems.push(problem(
        "error",
        `${host} is claimed twice: by ${first.service} (${
          placeOf(first.file, first.url)
        }) and by ${c.service} (${placeOf(c.file, c.url)})`,
        {
          file: c.file,
          line: c.url.line,
          service: c.service,
          hint: "Route each hostname to one service; remove it from the other's urls",
        },
      ));
    }
  }
  if (blocked.length > 0) {
    problems.push(problem(
      "warning",
      `the Caddy snippet is not updated: ${
        blocked.sort().join(", ")
      } has urls but is blocked (its containers are not known this run)`,
      { hint: "Fix the blocked service; the snippet keeps its routes until then" },
    ));
  }
  const ok = !hasErrors(problems) && blocked.length === 0;
  const sorted = routes.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  return { routes: sorted, text: ok ? snippetText(sorted) : undefined, problems };
}

/** The snippet's text for `routes` (sorted by hostname). */
export function snippetText(routes: readonly ProxyRoute[]): string {
  const sites = routes.map((r) =>
    `# ${r.service}\n${r.host} {\n\treverse_proxy ${r.upstream}\n}\n`
  );
  return [`${SNIPPET_HEADER}\n`, ...sites].join("\n");
}

/** The warning for routes to a service that runs as another account (`user`). */
function otherAccount(
  service: string,
  user: string,
  file: string,
  line: number | undefined,
  routed: readonly ProxyRoute[],
): Problem {
  const upstreams = [...new Set(routed.map((r) => r.upstream.replace(/:[0-9]+$/, "")))].sort();
  return problem(
    "warning",
    `${service} runs as ${user} (user), in that account's rootless podman: a Caddy container of hoist's own podman cannot reach ${
      upstreams.join(", ")
    } by name (${routed.map((r) => r.host).sort().join(", ")})`,
    {
      file,
      line,
      service,
      hint:
        `Run Caddy as ${user} too, on a network shared with ${service}'s containers (a service with user = "${user}"), or run ${service} without user`,
    },
  );
}

function placeOf(file: string, url: ProxyUrl): string {
  return url.line === undefined ? file : `${file}:${url.line}`;
}

/** The podman names of the service's containers, with the names a target may use for each. */
function containersOf(s: ReadyService, prefix: string) {
  return s.units.filter((u) => u.type === "container").map((u) => {
    const object = podmanObjects(u, unitEntries(u.content))[0] ?? "container:";
    const file = u.path.slice(u.path.lastIndexOf("/") + 1).replace(/\.container$/, "");
    return {
      name: object.slice("container:".length),
      files: [file, ...(file.startsWith(prefix) ? [file.slice(prefix.length)] : [])],
    };
  });
}

function upstreamOf(
  s: ReadyService,
  url: ProxyUrl,
  prefix: string,
): string | { error: string; hint: string } {
  const all = containersOf(s, prefix);
  const rules = [
    all.filter((c) => c.name === url.name),
    all.filter((c) => c.files.includes(url.name)),
    all.filter((c) => c.name.endsWith(`-${url.name}`)),
    url.name === s.name && all.length === 1 ? all : [],
  ];
  const where = `${s.urls?.where ?? `services.${s.name}.urls`}.${url.host}`;
  const names = all.map((c) => c.name).sort();
  for (const matched of rules) {
    if (matched.length === 1) return matched[0]!.name;
    if (matched.length > 1) {
      return {
        error: `${where}: ${url.name} names ${matched.length} containers of ${s.name} (${
          matched.map((c) => c.name).sort().join(", ")
        })`,
        hint: "Name the container by its full name",
      };
    }
  }
  return {
    error: `${where}: ${url.name} names no container of ${s.name}`,
    hint: names.length === 0
      ? `${s.name} has no container (kube and pod-only services cannot be routed by name)`
      : `Its containers: ${names.join(", ")}`,
  };
}
