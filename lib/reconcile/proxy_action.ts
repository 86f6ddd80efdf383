/**
 * The reverse-proxy snippet as part of the plan: its problems, and a `proxy-snippet` action when
 * its text differs from the file on disk. Pure.
 *
 * @module
 */
import { proxySnippet } from "../desired/proxy_snippet.ts";
import type { DesiredState } from "../desired/types.ts";
import { problem } from "../errors.ts";
import type { Plan, SnippetAction } from "./types.ts";

/** Where the snippet goes (`[proxy]`), and what is there now. */
export interface SnippetTarget {
  readonly path: string;
  readonly reload: readonly string[];
  /** The file's text; null when there is none. */
  readonly current: string | null;
}

/**
 * Adds the snippet's problems to `plan` and, when `target` is set and the snippet's text differs
 * from `target.current`, a `proxy-snippet` action at its end (after every start, so the routes'
 * containers run). A blocked plan is returned as it is; without `target` the urls are only
 * checked, and a warning says no snippet is written.
 *
 * @example
 * ```ts
 * withProxySnippet(plan, desired, "gitops-", { path: "/srv/caddy/hoist", reload: [], current: null });
 * // plan.actions ends with { kind: "proxy-snippet", path: "/srv/caddy/hoist", reason: "new snippet: …" }
 * ```
 */
export function withProxySnippet(
  plan: Plan,
  desired: Pick<DesiredState, "services" | "problems">,
  prefix: string,
  target: SnippetTarget | undefined,
): Plan {
  if (plan.blocked) return plan;
  const snippet = proxySnippet(desired, prefix);
  const problems = [...plan.problems, ...snippet.problems];
  if (target === undefined) {
    if (snippet.routes.length > 0) {
      problems.push(problem(
        "warning",
        `the services' urls route ${snippet.routes.length} hostname(s), but no Caddy snippet is written`,
        { hint: 'Set [proxy] caddy_snippet = "/path/to/Caddyfile-import" in the agent config' },
      ));
    }
    return problems.length === plan.problems.length ? plan : { ...plan, problems };
  }
  if (snippet.text === undefined || snippet.text === target.current) return { ...plan, problems };
  const action: SnippetAction = {
    kind: "proxy-snippet",
    path: target.path,
    content: snippet.text,
    previous: target.current,
    reload: target.reload,
    code: "urls-changed",
    reason: snippetReason(target.current, snippet.text),
  };
  return { ...plan, actions: [...plan.actions, action], problems };
}

/** `new snippet: a.example.org`, `urls changed: + b.example.org, ~ a.example.org, - c.example.org`. */
function snippetReason(before: string | null, after: string): string {
  const sites = (text: string) => {
    const out = new Map<string, string>();
    let host: string | undefined;
    for (const line of text.split("\n")) {
      const open = /^(\S+) \{$/.exec(line);
      if (open) host = open[1];
      else if (host !== undefined && line !== "}") out.set(host, (out.get(host) ?? "") + line);
      else host = undefined;
    }
    return out;
  };
  const next = sites(after);
  if (before === null) return `new snippet: ${[...next.keys()].join(", ") || "no routes"}`;
  const prev = sites(before);
  const hosts = [...new Set([...prev.keys(), ...next.keys()])].sort();
  const changes = hosts.flatMap((h) =>
    !prev.has(h)
      ? [`+ ${h}`]
      : !next.has(h)
      ? [`- ${h}`]
      : prev.get(h) !== next.get(h)
      ? [`~ ${h}`]
      : []
  );
  return changes.length === 0 ? "snippet text differs" : `urls changed: ${changes.join(", ")}`;
}
