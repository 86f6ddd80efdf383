/**
 * {@link convertCompose}: one compose file → quadlet units, pure. The entry point of
 * `lib/desired/compose/`; `compose_source.ts` and `hoist convert` both call it.
 *
 * @module
 */
import { hasErrors, type Problem } from "../../errors.ts";
import type { Read } from "../read.ts";
import type { UnitType } from "../types.ts";
import type { Mode } from "../../types/mode.ts";
import type { EnvCopy, ObjectFile, PathPolicy } from "./compose_paths.ts";
import { type CNode, composeTree } from "./compose_tree.ts";
import type { ComposePolicy } from "../../config/compose_config.ts";
import { convertProject } from "./convert_project.ts";
import { parseDotenv } from "./dotenv.ts";
import type { Lookup } from "./interpolate.ts";
import { describe, field, items, text } from "./nodes.ts";
import { PODMAN_NAME } from "./project_names.ts";
import type { HealthSettings } from "../health_settings.ts";
import type { UpdatePolicy } from "../../images/update_policy.ts";
import { type Diagnostics, fail } from "./unit_builder.ts";

/** What to convert, and how its names and paths come out. */
export interface ComposeInput {
  /** The compose file, as problems name it. */
  readonly file: string;
  readonly text: string;
  /** The project name unless the file's `name:` (or `projectOverride`) says otherwise: its folder's name. */
  readonly project: string;
  /** `hoist convert --project`: wins over `name:`. */
  readonly projectOverride?: string;
  /** Prefix of unit file names (`gitops-`). */
  readonly prefix: string;
  /** Decides `[Install] WantedBy=`. */
  readonly mode: Mode;
  /** The project's `.env`, when it has one. */
  readonly dotEnv?: { readonly file: string; readonly text: string };
  /** Variables passed in; they win over `.env`, as the shell does in compose. */
  readonly vars: Lookup;
  readonly paths: PathPolicy;
  /** `hoist validate`: unset variables are warnings. */
  readonly offline?: boolean;
  /** The hoist service the problems block. */
  readonly service?: string;
  /** What the host's `[compose.policy]` refuses (default: nothing), and its `[compose] ignore`. */
  readonly policy?: ComposePolicy;
}

/** One converted unit. */
export interface ComposeUnit {
  /** `gitops-blog-web.container`. */
  readonly fileName: string;
  readonly type: UnitType;
  readonly text: string;
  /** `Section.Key` → the compose line it came from. */
  readonly keyLines: Readonly<Record<string, number>>;
  /** A `.container`'s `env_file`s that it reads from converted copies. */
  readonly envFiles?: readonly EnvCopy[];
  /** The files of `content:`/`environment:` secrets and configs a `.container` mounts. */
  readonly objects?: readonly ObjectFile[];
  /** The included compose file it comes from (`include:`); absent: the main file. */
  readonly source?: { readonly file: string; readonly text: string };
  /** The compose service a `.container` or `.build` belongs to; absent for networks and volumes. */
  readonly composeService?: string;
  /** The compose key each line came from → those lines (`UnitBuilder.byKey`). */
  readonly byKey: Readonly<Record<string, string>>;
  /** A `.container`'s health settings from its compose service's `x-hoist: { health }`. */
  readonly health?: HealthSettings;
  /**
   * A `.container`'s image update policy from `x-hoist: { images }` (its own, or that of another
   * compose service running the same image: the strictest); absent: config.yml's applies.
   */
  readonly images?: UpdatePolicy;
}

/** A converted compose file. */
export interface ComposeProject {
  readonly project: string;
  readonly units: readonly ComposeUnit[];
  /** `x-hoist: {restart_on_change: false}`: units are updated, running containers not restarted. */
  readonly restartOnChange?: false;
  /**
   * The `x-hoist` settings the units do not carry, which act only when hoist deploys the file
   * (health checks, image update policies, `restart_on_change`), sorted by file and line; what
   * `hoist convert` warns about. (`ignore` and `profiles` act on the conversion itself.)
   */
  readonly deployOnly: readonly DeployOnlySetting[];
}

/** One `x-hoist` setting that has no form in the units, and where it is written. */
export interface DeployOnlySetting {
  /** Its key path (`services.web.x-hoist.health`). */
  readonly path: string;
  readonly file: string;
  readonly line: number;
}

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
