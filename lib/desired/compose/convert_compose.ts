/**
 * {@link convertCompose}: one compose file → quadlet units, pure. The entry point of
 * `lib/desired/compose/`; `compose_source.ts` and `hoist convert` both call it.
 *
 * @module
 */
import { hasErrors, type Problem } from "../../errors.ts";
import type { Read } from "../read.ts";
import { type CNode, composeTree } from "./compose_tree.ts";
import { convertProject } from "./convert_project.ts";
import { parseDotenv } from "./dotenv.ts";
import type { Lookup } from "./interpolate.ts";
import { describe, field, items, text } from "./nodes.ts";
import { PODMAN_NAME } from "./project_names.ts";
import { type Diagnostics, fail } from "./unit_builder.ts";

import type {
  ComposeInput,
  ComposeProject,
  ComposeUnit,
  DeployOnlySetting,
} from "./compose_input.ts";
export type { ComposeInput, ComposeProject, ComposeUnit, DeployOnlySetting };

export { MAX_SERVICES } from "./project_services.ts";

/**
 * Converts a compose file: one `.container` per active service (plus its `.build`), one
 * `.network` per declared network and the implicit `default` when a service uses it, one
 * `.volume` per named volume; external networks and volumes are referenced, never created. Any
 * error leaves no units; warnings are kept.
 *
 * @example
 * ```ts
 * const { value } = convertCompose({ file: "blog/compose.yaml", text, project: "blog", prefix: "gitops-", mode: "user", vars: () => undefined, paths });
 * value?.units.map((u) => u.fileName); // ["gitops-blog-web.container", "gitops-blog_default.network"]
 * ```
 */
export function convertCompose(input: ComposeInput): Read<ComposeProject | undefined> {
  const problems: Problem[] = [];
  const { lookup, problems: dotProblems } = projectLookup(input);
  problems.push(...dotProblems);
  const tree = composeTree(input.text, {
    file: input.file,
    lookup,
    offline: input.offline ?? false,
    ...(input.service ? { service: input.service } : {}),
  });
  problems.push(...tree.problems);
  if (tree.value === undefined || hasErrors(problems)) return { value: undefined, problems };
  const d: Diagnostics = {
    file: input.file,
    ignore: ignoreList(tree.value),
    hostIgnore: new Set(input.policy?.ignore ?? []),
    problems,
    ...(input.service ? { service: input.service } : {}),
  };
  const root = tree.value;
  if (root.kind !== "map") {
    fail(d, "(top level)", root.line, `a compose file is a map, got ${describe(root)}`);
    return { value: undefined, problems };
  }
  const project = projectName(d, root, input);
  const { units, deployOnly } = project === undefined
    ? { units: [], deployOnly: [] }
    : convertProject(d, root, project, input, lookup);
  const noRestart = restartOnChange(root);
  if (noRestart !== undefined) {
    deployOnly.push({ path: "x-hoist.restart_on_change", file: input.file, line: noRestart.line });
  }
  deployOnly.sort((a, b) => a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);
  return hasErrors(problems) || project === undefined ? { value: undefined, problems } : {
    value: {
      project,
      units,
      ...(noRestart === undefined ? {} : { restartOnChange: false as const }),
      deployOnly,
    },
    problems,
  };
}

/**
 * The line of `x-hoist: {restart_on_change: false}` (pgo's `x-pgo: {reload: false}`), or
 * undefined when the file does not turn restarts off.
 */
function restartOnChange(root: CNode): { line: number } | undefined {
  const hoist = field(root, "x-hoist");
  const flag = hoist ? field(hoist.value, "restart_on_change") : undefined;
  return flag?.value.kind === "scalar" && flag.value.value === false
    ? { line: flag.line }
    : undefined;
}

/**
 * The variables a compose file is interpolated with, as compose has them: the variables passed in
 * over the project's `.env`. `env_file`s are read with the same lookup.
 */
export function projectLookup(
  input: Pick<ComposeInput, "dotEnv" | "vars">,
): { lookup: Lookup; problems: Problem[] } {
  const dot = input.dotEnv
    ? parseDotenv(input.dotEnv.text, input.dotEnv.file, input.vars)
    : undefined;
  return { lookup: (n) => input.vars(n) ?? dot?.vars.get(n), problems: dot?.problems ?? [] };
}

/** `x-hoist: {ignore: [...]}`: key paths or key names that are only warnings. */
function ignoreList(root: CNode): Set<string> {
  const ignore = field(root, "x-hoist");
  const list = ignore ? field(ignore.value, "ignore") : undefined;
  return new Set(list ? items(list.value).map(text).filter((t) => t !== undefined) : []);
}

function projectName(d: Diagnostics, root: CNode, input: ComposeInput): string | undefined {
  const named = field(root, "name");
  const name = input.projectOverride ?? (named ? text(named.value) : undefined) ?? input.project;
  if (!PODMAN_NAME.test(name)) {
    fail(
      d,
      "name",
      named?.line ?? 1,
      `project name ${JSON.stringify(name)} is not a name podman accepts`,
      "Set name: with letters, digits, '_', '.' and '-' (hoist does not rename it)",
    );
    return undefined;
  }
  return name;
}
