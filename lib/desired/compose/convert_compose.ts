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
import { renderUnitText } from "../unit_text.ts";
import { unitRuleProblems } from "../unit_rules.ts";
import type { EnvCopy, ObjectFile, PathPolicy } from "./compose_paths.ts";
import { type CEntry, type CNode, composeTree } from "./compose_tree.ts";
import type { ComposePolicy } from "../../config/compose_config.ts";
import { policyProblems } from "./compose_policy.ts";
import { convertService } from "./convert_service.ts";
import { parseDotenv } from "./dotenv.ts";
import { resolveExtends } from "./extends.ts";
import { includedParts, mergeByKey, networksOf, objectsOf, type Part } from "./include.ts";
import type { Lookup } from "./interpolate.ts";
import { describe, field, items, keyPath, text } from "./nodes.ts";
import { PODMAN_NAME, type ProjectNames } from "./project_names.ts";
import { declaredFiles } from "./file_objects.ts";
import { declaredResources, networkUnit, volumeUnit } from "./project_resources.ts";
import { activeServices, serviceNames } from "./project_services.ts";
import type { ServiceCtx } from "./service_ctx.ts";
import { waitedFor } from "./waited_for.ts";
import type { HealthSettings } from "../health_settings.ts";
import { type ServiceHoist, serviceHoist } from "./service_hoist.ts";
import { imagePolicies } from "./image_policies.ts";
import type { UpdatePolicy } from "../../images/update_policy.ts";
import { type Diagnostics, fail, UnitBuilder, unsupported } from "./unit_builder.ts";

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

const TOP_KEYS = new Set([
  "version",
  "include",
  "name",
  "services",
  "networks",
  "volumes",
  "secrets",
  "configs",
  "x-hoist",
]);

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

/** The keys of a compose service's `x-hoist` that act only when hoist deploys it. */
const DEPLOY_ONLY_KEYS = new Set(["health", "images"]);

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

function convertProject(
  d: Diagnostics,
  root: CNode & { kind: "map" },
  project: string,
  input: ComposeInput,
  lookup: Lookup,
): { units: ComposeUnit[]; deployOnly: DeployOnlySetting[] } {
  const offline = input.offline ?? false;
  const parts = includedParts({ d, root, paths: input.paths }, {
    lookup,
    offline,
    ...(input.service ? { service: input.service } : {}),
  });
  for (const part of parts) for (const e of part.root.entries) checkTopKey(part.d, e);
  const hoist = field(root, "x-hoist");
  const services = mergeByKey(
    parts.map((part) => ({
      part,
      items: part === parts[0] || field(part.root, "services")
        ? activeServices(part.d, withExtends(part, field(part.root, "services"), lookup), hoist)
        : [],
    })),
    "services",
  );
  const resources = (kind: "networks" | "volumes") =>
    parts.map((part) => {
      const list = declaredResources(
        part.d,
        kind,
        field(part.root, kind)?.value,
        project,
        input.prefix,
      );
      return kind === "networks" ? networksOf(part, list) : { part, items: list };
    });
  const networks = mergeByKey(resources("networks"), "networks");
  const volumes = mergeByKey(resources("volumes"), "volumes");
  if (input.policy) {
    for (const part of parts) {
      const own = services.filter((s) => s.part === part);
      if (own.length > 0) policyProblems(part.d, own, networks, input.policy);
    }
  }
  const names: ProjectNames = {
    project,
    prefix: input.prefix,
    services: serviceNames(d, services, project, input.prefix),
    networks: new Map(networks.map((r) => [r.key, r.names])),
    volumes: new Map(volumes.map((r) => [r.key, r.names])),
  };
  const objects = { lookup, offline };
  const declaredOf = (kind: "secrets" | "configs") =>
    new Map(
      mergeByKey(
        parts.map((part) => ({
          part,
          items: objectsOf(
            part,
            declaredFiles(part.d, kind, field(part.root, kind)?.value, objects),
          ),
        })),
        kind,
      ).map((o) => [o.key, o.object]),
    );
  const declared = { secrets: declaredOf("secrets"), configs: declaredOf("configs") };
  const shared = {
    healthy: new Set<string>(),
    completed: new Set<string>(),
    usedNetworks: new Set<string>(),
  };
  const deployOnly: DeployOnlySetting[] = [];
  const built = services.map((s) => {
    const c: ServiceCtx = {
      name: s.key,
      path: keyPath("services", s.key),
      unit: new UnitBuilder(s.part.d, keyPath("services", s.key)),
      d: s.part.d,
      names,
      paths: s.part.paths,
      lookup,
      envFiles: [],
      objects: [],
      extra: [],
      ...shared,
    };
    let hoist: ServiceHoist = {};
    if (s.value.kind === "map") {
      convertService({ entries: s.value.entries, line: s.line }, c, declared);
      const own = s.value.entries.find((e) => e.key === "x-hoist");
      if (own !== undefined) hoist = serviceHoist(s.part.d, s.key, own);
      for (const e of own?.value.kind === "map" ? own.value.entries : []) {
        if (!DEPLOY_ONLY_KEYS.has(e.key)) continue;
        const path = keyPath(keyPath(keyPath("services", s.key), "x-hoist"), e.key);
        deployOnly.push({ path, file: s.part.d.file, line: e.line });
      }
    }
    return { s, c, health: hoist.health, written: hoist.images };
  });
  for (const { s, c } of built) waitedFor(c.d, s, c, shared);
  const policies = imagePolicies(built.map(({ s, c, written }) => ({
    name: s.key,
    d: c.d,
    image: c.unit.entries().filter((e) => e.section === "Container" && e.key === "Image").at(-1)
      ?.value,
    ...(written === undefined ? {} : { images: written }),
  })));
  const out: ComposeUnit[] = [];
  const render = (
    part: Part,
    fileName: string,
    type: UnitType,
    unit: UnitBuilder,
    of?: {
      service: string;
      envFiles?: EnvCopy[];
      objects?: ObjectFile[];
      health?: HealthSettings;
      images?: UpdatePolicy;
    },
  ) => {
    const place = { file: part.d.file, service: input.service ?? project, fileName, type };
    d.problems.push(...unitRuleProblems(unit.entries(), place));
    const text = renderUnitText(unit.sections());
    out.push({
      fileName,
      type,
      text,
      keyLines: unit.keyLines(),
      byKey: unit.byKey(),
      ...(of?.envFiles?.length ? { envFiles: of.envFiles } : {}),
      ...(of?.objects?.length ? { objects: of.objects } : {}),
      ...(of ? { composeService: of.service } : {}),
      ...(of?.health === undefined ? {} : { health: of.health }),
      ...(of?.images === undefined ? {} : { images: of.images }),
      ...(part.source ? { source: part.source } : {}),
    });
  };
  for (const { s, c, health } of built) {
    c.unit.add(
      "Install",
      "WantedBy",
      input.mode === "system" ? "multi-user.target" : "default.target",
      s.line,
      c.path,
    );
    const n = names.services.get(s.key);
    const images = policies.get(s.key);
    if (n) {
      render(s.part, `${n.unit}.container`, "container", c.unit, {
        service: s.key,
        envFiles: c.envFiles,
        objects: c.objects,
        ...(health === undefined ? {} : { health }),
        ...(images === undefined ? {} : { images }),
      });
    }
    for (const x of c.extra) render(s.part, x.fileName, x.type, x.unit, { service: s.key });
  }
  for (const r of networks) {
    if (r.names.unit !== undefined && (r.key !== "default" || shared.usedNetworks.has("default"))) {
      render(r.part, `${r.names.unit}.network`, "network", networkUnit(r.part.d, r));
    }
  }
  for (const r of volumes) {
    if (r.names.unit !== undefined) {
      render(r.part, `${r.names.unit}.volume`, "volume", volumeUnit(r.part.d, r));
    }
  }
  return { units: out, deployOnly };
}

/**
 * The `services:` entry with each service's `extends` merged in (from the same file, or from
 * another compose file of the service folder).
 */
function withExtends(part: Part, services: CEntry | undefined, lookup: Lookup): CEntry | undefined {
  if (services === undefined || services.value.kind !== "map") return services;
  return {
    ...services,
    value: {
      ...services.value,
      entries: resolveExtends(part.d, services.value.entries, { paths: part.paths, lookup }),
    },
  };
}

function checkTopKey(d: Diagnostics, e: CEntry): void {
  if (TOP_KEYS.has(e.key) || e.key.startsWith("x-")) {
    if (e.key === "x-hoist") checkHoistKeys(d, e);
    return;
  }
  if (e.key === "models") {
    unsupported(d, e.key, e.line, "not supported by hoist yet");
  } else unsupported(d, keyPath("", e.key), e.line, "not a compose top-level key");
}

function checkHoistKeys(d: Diagnostics, e: CEntry): void {
  if (e.value.kind !== "map") {
    fail(d, "x-hoist", e.line, `expected a map, got ${describe(e.value)}`);
    return;
  }
  for (const x of e.value.entries) {
    if (x.key === "restart_on_change") {
      if (x.value.kind !== "scalar" || typeof x.value.value !== "boolean") {
        fail(d, keyPath("x-hoist", x.key), x.line, "expected true or false");
      }
    } else if (x.key !== "ignore" && x.key !== "profiles") {
      fail(
        d,
        keyPath("x-hoist", x.key),
        x.line,
        "unknown key",
        x.key === "images" || x.key === "health"
          ? `${x.key} is set per compose service: services.<name>.x-hoist.${x.key}`
          : "x-hoist knows ignore, profiles and restart_on_change",
      );
    } else if (items(x.value).some((i) => text(i) === undefined)) {
      fail(d, keyPath("x-hoist", x.key), x.line, "expected a list of strings");
    }
  }
}
