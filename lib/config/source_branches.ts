/**
 * The branches of a configured source (a module of its own, so that a run whose config came from
 * the parsed-config cache loads none of the config parser to fetch).
 *
 * @module
 */

/** What {@link sourceBranches} reads of a `SourceConfig` (lib/config/load_config.ts). */
export type SourceBranches =
  | { readonly kind: "branch-per-service"; readonly branches: readonly string[] }
  | { readonly kind: "host-folders" | "services-folder" | "service-repo"; readonly branch: string };

/** The branches hoist fetches for `source`. */
export function sourceBranches(source: SourceBranches): readonly string[] {
  return source.kind === "branch-per-service" ? source.branches : [source.branch];
}
