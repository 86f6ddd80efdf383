/**
 * One service folder → {@link DesiredService}: its unit inputs read through `DRAFT_SOURCES`,
 * checked together with its files, then rendered and hashed.
 *
 * @module
 */
import { hasErrors, type Problem, problem } from "../errors.ts";
import { readChosenCompose } from "./compose_source.ts";
import { draftNameClashes } from "./draft_name_clashes.ts";
import { MANIFEST } from "./parse_manifest.ts";
import { readDrafts } from "./read_drafts.ts";
import { referenceProblems } from "./reference_problems.ts";
import { renderService } from "./render_service.ts";
import { hasDir, readText } from "./repo_files.ts";
import type { ServiceContext, ServiceFolder } from "./service_context.ts";
import { serviceFiles } from "./service_files.ts";
import type { Read } from "./read.ts";
import type {
  BlockedService,
  DesiredFile,
  DesiredService,
  RepoTree,
  ServiceScripts,
} from "./types.ts";
import type { UnitDraft } from "./unit_draft.ts";
import { unitEntries } from "./unit_text.ts";

/**
 * Reads and renders one service; any error leaves it blocked, with every problem found (not
 * only the first). `line` is where config.yml lists it.
 *
 * @example
 * ```ts
 * const web = readService(tree, "web", 3, ctx);
 * if (web.status === "ready") web.units.map((u) => u.path); // ["gitops-web.container"]
 * ```
 */
export function readService(
  tree: RepoTree,
  name: string,
  line: number | undefined,
  ctx: ServiceContext,
): DesiredService {
  const folder: ServiceFolder = { tree, dir: `${ctx.root}/${name}`, name, ctx };
  const blocked = (problems: Problem[]): BlockedService => ({
    status: "blocked",
    name,
    dependsOn: [],
    problems,
  });
  if (!hasDir(tree, folder.dir)) return blocked([folderMissing(folder, line)]);
  const read = readDrafts(folder);
  const chosen = readChosenCompose(folder);
  const drafts = {
    value: [...read.value, ...chosen.value],
    problems: [...read.problems, ...chosen.problems],
  };
  const problems = [...drafts.problems, ...draftNameClashes(drafts.value, name)];
  if (drafts.value.length === 0 && problems.length === 0) problems.push(noUnits(folder, line));
  const files = withDraftFiles(folder, serviceFiles(folder, drafts.value), drafts.value);
  problems.push(...files.problems, ...referenceProblems(folder, drafts.value, files.value));
  const setup = setupScript(folder);
  if (setup.problem) problems.push(setup.problem);
  if (hasErrors(problems)) return blocked(problems);
  const ready = renderService(folder, drafts.value, files.value, problems);
  const own = ctx.scripts?.[name];
  const scripts: ServiceScripts = {
    ...(setup.text === undefined ? {} : { setup: setup.text }),
    ...(own?.pre === undefined ? {} : { pre: own.pre }),
    ...(own?.post === undefined ? {} : { post: own.post }),
  };
  if (ready.status !== "ready") return ready;
  const held = drafts.value.some((d) => d.restartOnChange === false);
  // compose services' own x-hoist health settings: how apply judges each, not part of the hash
  const composeHealth = Object.fromEntries(
    drafts.value.flatMap((d) =>
      d.health !== undefined && d.composeService !== undefined ? [[d.composeService, d.health]] : []
    ),
  );
  // and their x-hoist images policies, by the image their container runs
  const imagePolicies = Object.fromEntries(
    drafts.value.flatMap((d) => {
      const image = unitEntries(d.text).filter((e) =>
        e.section === "Container" && e.key === "Image"
      )
        .at(-1)?.value.trim();
      return d.images !== undefined && image !== undefined ? [[image, d.images]] : [];
    }),
  );
  return {
    ...ready,
    ...(Object.keys(scripts).length > 0 ? { scripts } : {}),
    ...(held ? { restartOnChange: false as const } : {}),
    ...(Object.keys(composeHealth).length > 0 ? { composeHealth } : {}),
    ...(Object.keys(imagePolicies).length > 0 ? { imagePolicies } : {}),
  };
}

/** The folder's `setup.sh` (seed 003), run once per new hash in the service's copy. */
export const SETUP_SCRIPT = "setup.sh";

function setupScript({ tree, dir, name }: ServiceFolder): { text?: string; problem?: Problem } {
  const path = `${dir}/${SETUP_SCRIPT}`;
  if (tree.entries.get(path)?.kind !== "file") return {};
  const read = readText(tree, path, dir, name);
  return read.ok ? { text: read.text } : { problem: read.problem };
}

/**
 * The folder's files and, after them, the files drafts generate (a compose project's converted
 * env files, shared by its containers); one that a file of the folder already holds is an error.
 */
function withDraftFiles(
  { dir, name }: ServiceFolder,
  files: Read<DesiredFile[]>,
  drafts: readonly UnitDraft[],
): Read<DesiredFile[]> {
  const out = [...files.value];
  const problems = [...files.problems];
  const own = new Set(out.map((f) => f.path));
  for (const f of drafts.flatMap((d) => d.files ?? [])) {
    if (own.has(f.path)) {
      problems.push(problem("error", `${f.path} is reserved for hoist's copies of env files`, {
        file: `${dir}/${f.path}`,
        service: name,
        hint: "Rename that file or folder",
      }));
    } else if (!out.some((x) => x.path === f.path)) out.push(f);
  }
  return { value: out, problems };
}

function folderMissing({ dir, name, ctx }: ServiceFolder, line: number | undefined): Problem {
  return problem("error", `service ${name} is listed but ${dir}/ does not exist`, {
    file: ctx.configFile,
    line,
    service: name,
    hint: `Create ${dir}/manifest.yml or a compose.yaml, or remove ${name} from ${
      ctx.configFile.endsWith("config.yml") ? "config.yml" : ctx.configFile
    }`,
  });
}

function noUnits({ dir, name, ctx }: ServiceFolder, line: number | undefined): Problem {
  return problem("error", `${dir}/ has no ${MANIFEST}, no compose file and no quadlet files`, {
    file: ctx.configFile,
    line,
    service: name,
    hint: `Add ${dir}/${MANIFEST} with a Container section, a compose.yaml, or quadlet files`,
  });
}
