/**
 * The {@link DraftSource} for compose files: a service folder holding `compose.yaml` (or
 * `compose.yml`, `docker-compose.y(a)ml`, `podman-compose.y(a)ml`) is a compose project, converted
 * to quadlets by `compose/convert_compose.ts`.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { repoPaths } from "./compose/compose_paths.ts";
import { convertCompose, projectLookup } from "./compose/convert_compose.ts";
import type { ObjectFile } from "./compose/compose_paths.ts";
import { composeEnvFiles } from "./compose_env_files.ts";
import { sha256Hex } from "./digest.ts";
import { MANIFEST } from "./parse_manifest.ts";
import type { Read } from "./read.ts";
import { readText } from "./repo_files.ts";
import { secretDigest } from "./secrets.ts";
import type { ServiceFolder } from "./service_context.ts";
import type { DesiredFile } from "./types.ts";
import type { DraftSource, UnitDraft } from "./unit_draft.ts";

/** The file names of a compose project, in the order compose itself looks for them. */
export const COMPOSE_FILES: readonly string[] = [
  "compose.yaml",
  "compose.yml",
  "docker-compose.yaml",
  "docker-compose.yml",
  "podman-compose.yaml",
  "podman-compose.yml",
];

/**
 * A compose file → one unit per compose service, network and named volume, under
 * `<prefix><service>/` like raw quadlet files (`gitops-blog/gitops-blog-web.container`). The
 * project is named after the folder unless the file's `name:` says otherwise; its `.env` and
 * hoist's variables (`[secrets] env_files` over the environment, which win) fill `${VAR}`.
 *
 * @example
 * ```ts
 * composeSource.matches("docker-compose.yml"); // true
 * const { value: drafts, problems } = composeSource.read(folder, "compose.yaml");
 * ```
 */
export const composeSource: DraftSource = {
  kind: "compose files (compose.yaml, compose.yml, docker-compose.y(a)ml, podman-compose.y(a)ml)",
  matches: (fileName) => COMPOSE_FILES.includes(fileName),
  read: readCompose,
};

/**
 * The compose file config.yml (`compose:`) or the agent config (`compose = "…"`) picks for the
 * folder's service, if any.
 */
export function chosenComposeFile({ name, ctx }: ServiceFolder): string | undefined {
  return ctx.compose?.services?.[name] ?? ctx.compose?.source;
}

/** True when the folder is a compose project (it holds its compose file). */
export function isComposeFolder(folder: ServiceFolder): boolean {
  const { tree, dir } = folder;
  const chosen = chosenComposeFile(folder);
  const names = chosen === undefined ? COMPOSE_FILES : [chosen];
  return names.some((f) => tree.entries.get(`${dir}/${f}`)?.kind === "file");
}

/**
 * The chosen compose file's units, when the agent config names one that the draft sources do not
 * read by its name (`compose = "stack.yml"`); an error when the folder does not hold it.
 */
export function readChosenCompose(folder: ServiceFolder): Read<UnitDraft[]> {
  const chosen = chosenComposeFile(folder);
  if (chosen === undefined || composeSource.matches(chosen)) return { value: [], problems: [] };
  if (folder.tree.entries.get(`${folder.dir}/${chosen}`)?.kind !== "file") {
    const picked = folder.ctx.compose?.picked;
    const inYml = picked?.service === folder.name && picked.file === chosen;
    return {
      value: [],
      problems: [
        inYml
          ? problem(
            "error",
            `${folder.dir}/${chosen} does not exist; config.yml picks it with compose:`,
            {
              file: folder.ctx.configFile,
              line: picked.line,
              service: folder.name,
              hint: `Add ${chosen} to ${folder.dir}/, or fix services.${folder.name}.compose`,
            },
          )
          : problem("error", `${chosen} does not exist; the agent config picks it with compose =`, {
            file: folder.dir,
            service: folder.name,
            hint:
              `Add ${chosen} to ${folder.dir}/, or fix compose = "${chosen}" in the agent config`,
          }),
      ],
    };
  }
  return readCompose(folder, chosen);
}

function readCompose(folder: ServiceFolder, fileName: string): Read<UnitDraft[]> {
  const { tree, dir, name, ctx } = folder;
  const file = `${dir}/${fileName}`;
  const chosen = chosenComposeFile(folder);
  // a compose file picked by the agent config is the only one read; the others stay files
  const present = chosen !== undefined
    ? [chosen]
    : COMPOSE_FILES.filter((f) => tree.entries.has(`${dir}/${f}`));
  if (present[0] !== fileName) return { value: [], problems: [] }; // reported with the first
  const clash = clashProblems(folder, file, present);
  if (clash.length > 0) return { value: [], problems: clash };
  const read = readText(tree, file, dir, name);
  if (!read.ok) return { value: [], problems: [read.problem] };
  const envPath = `${dir}/.env`;
  const env = tree.entries.has(envPath) ? readText(tree, envPath, dir, name) : undefined;
  if (env && !env.ok) return { value: [], problems: [env.problem] };
  const vars = ctx.secrets.vars;
  const variables = {
    vars: (n: string) => vars.get(n),
    ...(env?.ok ? { dotEnv: { file: envPath, text: env.text } } : {}),
  };
  const converted = convertCompose({
    file,
    text: read.text,
    project: name,
    prefix: ctx.prefix,
    mode: ctx.mode,
    paths: repoPaths(tree, dir, {
      dirs: ctx.secrets.hostDirs ?? new Map(),
      files: ctx.secrets.offline ? undefined : ctx.secrets.hostFiles ?? new Map(),
    }),
    offline: ctx.secrets.offline ?? false,
    service: name,
    ...(ctx.policy === undefined ? {} : { policy: ctx.policy }),
    ...variables,
  });
  const problems = [...converted.problems, ...unusedAgentChoice(folder)];
  const { lookup } = projectLookup(variables); // its problems are converted's
  const drafts = (converted.value?.units ?? []).map((u): UnitDraft => {
    const envFiles = composeEnvFiles(folder, u.envFiles ?? [], lookup);
    problems.push(...envFiles.problems);
    const files = [...envFiles.value, ...(u.objects ?? []).map((o) => objectFile(folder, o))];
    return {
      path: `${ctx.prefix}${name}/${u.fileName}`,
      fileName: u.fileName,
      type: u.type,
      text: u.text,
      source: u.source?.file ?? file,
      sourceText: u.source?.text ?? read.text,
      keyLines: u.keyLines,
      ...(files.length > 0 ? { files } : {}),
      ...(converted.value?.restartOnChange === false ? { restartOnChange: false as const } : {}),
      ...(u.composeService === undefined ? {} : { composeService: u.composeService }),
      byKey: u.byKey,
      ...(u.health === undefined ? {} : { health: u.health }),
      ...(u.images === undefined ? {} : { images: u.images }),
    };
  });
  return { value: drafts, problems };
}

/**
 * The file of a `content:`/`environment:` secret or config in the service's copy; a variable's
 * value counts by keyed digest and is written 0600.
 */
function objectFile(folder: ServiceFolder, o: ObjectFile): DesiredFile {
  const data = new TextEncoder().encode(o.text);
  return {
    path: o.path,
    data,
    digest: o.secret ? secretDigest(folder.ctx.secrets, data) : sha256Hex(data),
    ...(o.secret ? { secret: true } : {}),
    origin: o.origin,
  };
}

/** A warning when config.yml and the agent config name different compose files for the service. */
function unusedAgentChoice({ name, ctx }: ServiceFolder): Problem[] {
  const picked = ctx.compose?.picked;
  if (picked?.service !== name || picked.agent === undefined || picked.agent === picked.file) {
    return [];
  }
  return [problem(
    "warning",
    `services.${name}.compose picks ${picked.file}; the agent config's [services.${name}] compose = "${picked.agent}" is not used`,
    {
      file: ctx.configFile,
      line: picked.line,
      service: name,
      hint: "Name the compose file in one place (config.yml wins where both do)",
    },
  )];
}

/** Errors for a second compose file, or a manifest.yml, in the same folder. */
function clashProblems(
  { tree, dir, name }: ServiceFolder,
  file: string,
  present: readonly string[],
): Problem[] {
  const others = [
    ...present.slice(1),
    ...(tree.entries.has(`${dir}/${MANIFEST}`) ? [MANIFEST] : []),
  ];
  return others.map((other) =>
    problem("error", `${file} and ${dir}/${other} both describe the service`, {
      file,
      service: name,
      hint: other === MANIFEST
        ? `Keep either the compose file or ${MANIFEST} in ${dir}/`
        : `Keep one compose file in ${dir}/`,
    })
  );
}
