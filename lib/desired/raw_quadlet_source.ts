/**
 * The {@link DraftSource} for raw quadlet files (`*.container`, `*.network`, …), written as they
 * are, in a folder named after the service.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { reservedLabelProblem, setsReservedLabel } from "./labels.ts";
import { TYPE_SECTION, UNIT_FILE_NAME, unitTypeOf } from "./quadlet_names.ts";
import type { Read } from "./read.ts";
import { readText } from "./repo_files.ts";
import type { ServiceFolder } from "./service_context.ts";
import type { UnitType } from "./types.ts";
import { type DraftSource, firstLines, type UnitDraft } from "./unit_draft.ts";
import { unitEntries, unitSections } from "./unit_text.ts";

/**
 * A raw quadlet file → one unit at `<prefix><service>/<file name>`, checked for a plain name, its
 * own `[Section]` and no reserved labels.
 *
 * @example
 * ```ts
 * rawQuadletSource.matches("web-net.network"); // true
 * const { value: drafts, problems } = rawQuadletSource.read(folder, "web-net.network");
 * ```
 */
export const rawQuadletSource: DraftSource = {
  kind: "raw quadlet files (*.container, *.network, *.volume, *.pod, *.kube, *.image, *.build)",
  matches: (fileName) => unitTypeOf(fileName) !== undefined,
  read: readRawQuadlet,
};

function readRawQuadlet(folder: ServiceFolder, fileName: string): Read<UnitDraft[]> {
  const type = unitTypeOf(fileName);
  if (type === undefined) return { value: [], problems: [] };
  const { tree, dir, name } = folder;
  const file = `${dir}/${fileName}`;
  const read = readText(tree, file, dir, name);
  if (!read.ok) return { value: [], problems: [read.problem] };
  const problems = rawQuadletProblems(read.text, file, fileName, type, name);
  if (problems.length > 0) return { value: [], problems };
  const text = read.text;
  const draft: UnitDraft = {
    path: `${folder.ctx.prefix}${name}/${fileName}`,
    fileName,
    type,
    text,
    source: file,
    sourceText: text,
    keyLines: firstLines(unitEntries(text).map((e) => [`${e.section}.${e.key}`, e.line] as const)),
  };
  return { value: [draft], problems: [] };
}

/** Why a raw quadlet file cannot be used as it is: a name, a missing section, hoist's labels. */
function rawQuadletProblems(
  text: string,
  file: string,
  fileName: string,
  type: UnitType,
  name: string,
): Problem[] {
  const problems: Problem[] = [];
  if (!UNIT_FILE_NAME.test(fileName)) {
    problems.push(
      problem("error", `unit file name ${JSON.stringify(fileName)} is not a plain name`, {
        file,
        service: name,
        hint: "Use letters, digits, '_', '.' and '-' (template units with '@' are not supported)",
      }),
    );
  }
  const section = TYPE_SECTION[type];
  if (!unitSections(text).some((s) => s.name === section)) {
    problems.push(
      problem("error", `a .${type} file needs a [${section}] section`, { file, service: name }),
    );
  }
  for (const e of unitEntries(text)) {
    if (setsReservedLabel(e.key, e.value)) problems.push(reservedLabelProblem(file, e.line, name));
  }
  return problems;
}
