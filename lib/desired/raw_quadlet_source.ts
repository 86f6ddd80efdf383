/**
 * The {@link DraftSource} for raw quadlet files (`*.container`, `*.network`, …), written as they
 * are, in a folder named after the service.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { TYPE_SECTION, UNIT_FILE_NAME, unitTypeOf } from "./quadlet_names.ts";
import type { Read } from "./read.ts";
import { readText } from "./repo_files.ts";
import type { ServiceFolder } from "./service_context.ts";
import type { UnitType } from "./types.ts";
import { type DraftSource, firstLines, type UnitDraft } from "./unit_draft.ts";
import { unitRuleProblems } from "./unit_rules.ts";
import { unitEntries, unitSections, unitSyntaxProblems } from "./unit_text.ts";

/**
 * A raw quadlet file → one unit at `<prefix><service>/<file name>`, checked for a plain name, text
 * that hoist and quadlet can only read one way ({@link unitSyntaxProblems}), its own `[Section]`
 * and the rules of {@link unitRuleProblems} (no reserved labels, plain names, …).
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

/** Why a raw quadlet file cannot be used as it is: a name, its syntax, a missing section, the rules. */
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
  const syntax = unitSyntaxProblems(text);
  for (const s of syntax) {
    problems.push(problem("error", s.message, {
      file,
      line: s.line,
      service: name,
      hint: "Write one Key=value per line, in plain ASCII spacing, without continuation lines",
    }));
  }
  if (syntax.length > 0) return problems;
  const section = TYPE_SECTION[type];
  if (!unitSections(text).some((s) => s.name === section)) {
    problems.push(
      problem("error", `a .${type} file needs a [${section}] section`, { file, service: name }),
    );
  }
  problems.push(...unitRuleProblems(unitEntries(text), { file, service: name, fileName, type }));
  return problems;
}
