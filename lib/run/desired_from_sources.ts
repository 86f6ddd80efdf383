/**
 * The desired state of the fetched trees: each source read as its layout says, merged, and the
 * agent config's `[services.<name>]` tables checked against it. Pure; loaded by plan_sources.ts
 * only when the desired-state cache cannot answer, so a no-op run loads none of lib/desired's
 * readers (nor the YAML parser).
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import { type Problem, problem } from "../errors.ts";
import { mergeDesired } from "../desired/merge_desired.ts";
import { withAgentHealth } from "../health/with_agent_health.ts";
import { withAgentUsers } from "../desired/service_user.ts";
import { withAgentUrls } from "../desired/with_agent_urls.ts";
import { type BranchOptions, readBranches } from "../desired/read_branches.ts";
import { readServicesFolder } from "../desired/read_services_folder.ts";
import { readDesired } from "../desired/read_desired.ts";
import type { SecretInputs } from "../desired/secrets.ts";
import type { DesiredState } from "../desired/types.ts";
import type { LoadedSource } from "./fetch_sources.ts";

/** Reads the desired state of every fetched source and merges them. Pure. */
export function desiredFromSources(
  config: Config,
  fetched: readonly LoadedSource[],
  secrets: SecretInputs,
): DesiredState {
  const common = {
    host: config.host,
    prefix: config.unitPrefix,
    mode: config.mode,
    stateDir: config.stateDir,
    secrets,
    scripts: config.services,
    policy: config.composePolicy,
  };
  const services = Object.entries(config.services).flatMap(([name, o]) =>
    o.compose === undefined ? [] : [[name, o.compose] as const]
  );
  const merged = mergeDesired(fetched.map((f) => {
    const compose = {
      ...(f.source.compose === undefined ? {} : { source: f.source.compose }),
      ...(services.length > 0 ? { services: Object.fromEntries(services) } : {}),
    };
    return {
      source: f.source.name,
      desired: readSource(f, { ...common, compose }, config.file),
    };
  }));
  return withAgentServices(merged, config.services, config.file);
}

/**
 * `desired` joined with the agent config's `[services.<name>]` (`file`): their health, user and
 * urls, each with its warning where config.yml's wins, and a warning for each table that names no
 * service. A run and `hoist validate --config` join the same way.
 */
export function withAgentServices(
  desired: DesiredState,
  services: Config["services"],
  file: string,
): DesiredState {
  const unknown = unknownServiceTables(services, file, desired);
  const joined = withAgentUrls(
    withAgentUsers(withAgentHealth(desired, services, file), services, file),
    services,
    file,
  );
  return unknown.length === 0 ? joined : { ...joined, problems: [...joined.problems, ...unknown] };
}

/** A warning for each `[services.<name>]` of the agent config that names no service of the host. */
function unknownServiceTables(
  services: Config["services"],
  file: string,
  desired: DesiredState,
): Problem[] {
  const names = new Set(desired.services.map((s) => s.name));
  return Object.keys(services).filter((n) => !names.has(n)).map((n) =>
    problem("warning", `[services.${n}] names no service of this host; its settings are unused`, {
      file,
      hint: `Services here: ${[...names].sort().join(", ") || "none"}`,
    })
  );
}

/** One fetched source's desired state, read as its layout says. */
function readSource(
  f: LoadedSource,
  common: Omit<BranchOptions, "source">,
  configFile: string,
): DesiredState {
  const { source, trees } = f;
  if (trees.kind === "branch-per-service") {
    return readBranches(trees.branches, { ...common, source: source.name });
  }
  if (source.kind === "services-folder") {
    return readServicesFolder(trees.tree, {
      ...common,
      path: source.path,
      configFile,
      ...(source.services === undefined ? {} : { services: source.services }),
    });
  }
  return readDesired(trees.tree, {
    ...common,
    path: source.kind === "host-folders" ? source.path : "",
    source: source.name,
  });
}
