/**
 * `manifest.yml` (with `manifest.sops.yml`'s secret environment values) → one {@link UnitDraft}.
 *
 * @module
 */
import { hasErrors, type Problem, problem } from "../errors.ts";
import { splitWords } from "./labels.ts";
import {
  MANIFEST,
  manifestOf,
  type ManifestSection,
  parseManifestSections,
} from "./parse_manifest.ts";
import type { Read } from "./read.ts";
import { secretEnvironment } from "./secret_environment.ts";
import { SECRET_ENV_FILE, SOPS_MANIFEST } from "./secrets.ts";
import type { ServiceFolder } from "./service_context.ts";
import { firstLines, type SecretEnvironment, type UnitDraft } from "./unit_draft.ts";
import { unitRuleProblems } from "./unit_rules.ts";
import { renderUnitText, type UnitEntry } from "./unit_text.ts";

/**
 * The unit a manifest describes: its sections checked (one unit type, the rules of
 * {@link unitRuleProblems}: no reserved labels, plain names, …), the
 * secret values of `sopsFile` (when there is one) passed in a 0600 env file, and `[Install]`
 * added when the manifest has none. No draft when anything is wrong.
 *
 * @example
 * ```ts
 * const { value } = manifestDraft("Container:\n  Image: [caddy]\n", `${dir}/manifest.yml`, undefined, folder);
 * value?.fileName; // "gitops-web.container"
 * ```
 */
export function manifestDraft(
  text: string,
  file: string,
  sopsFile: string | undefined,
  folder: ServiceFolder,
): Read<UnitDraft | undefined> {
  const { name, ctx } = folder;
  const plain = parseManifestSections(text, file, name);
  const secret = sopsFile === undefined
    ? { value: undefined, problems: [] }
    : secretEnvironment(sopsFile, name, ctx);
  const problems: Problem[] = [...plain.problems, ...secret.problems];
  if (hasErrors(problems) || !plain.sections) return { value: undefined, problems };
  const { manifest, problems: found } = manifestOf(plain.sections, file, name);
  problems.push(...found);
  if (!manifest) return { value: undefined, problems };
  const fileName = `${ctx.prefix}${name}.${manifest.type}`;
  problems.push(
    ...unitRuleProblems(manifestEntries(plain.sections), {
      file,
      service: name,
      fileName,
      type: manifest.type,
    }),
    ...setTwice(plain.sections, secret.value, sopsFile, name),
  );
  if (hasErrors(problems)) return { value: undefined, problems };
  const unit = unitText(plain.sections, secret.value, sopsFile, folder);
  problems.push(...unit.problems);
  if (unit.value === undefined) return { value: undefined, problems };
  const draft: UnitDraft = {
    path: fileName,
    fileName,
    type: manifest.type,
    text: unit.value,
    source: file,
    sourceText: text,
    ...(secret.value ? { secretEnv: secret.value } : {}),
    keyLines: firstLines(
      plain.sections.flatMap((sec) =>
        sec.entries.map((e) => [`${sec.name}.${e.key}`, e.line] as const)
      ),
    ),
  };
  return { value: draft, problems };
}

/** Every `Key=value` a manifest's sections write, each at its key's line in the manifest. */
function manifestEntries(sections: readonly ManifestSection[]): UnitEntry[] {
  return sections.flatMap((s) =>
    s.entries.flatMap((e) =>
      e.values.map((value) => ({ section: s.name, key: e.key, value, line: e.line ?? 1 }))
    )
  );
}

/** An error for each secret variable that manifest.yml's `Container.Environment` sets too. */
function setTwice(
  sections: readonly ManifestSection[],
  secret: SecretEnvironment | undefined,
  sopsFile: string | undefined,
  name: string,
): Problem[] {
  const plainNames = new Set(
    sections.filter((s) => s.name === "Container").flatMap((s) => s.entries)
      .filter((e) => e.key === "Environment")
      .flatMap((e) => e.values.flatMap((v) => splitWords(v).map(variableName))),
  );
  return (secret?.names ?? []).filter((n) => plainNames.has(n)).map((n) =>
    problem("error", `${n} is set in both ${MANIFEST} and ${SOPS_MANIFEST}`, {
      file: sopsFile,
      service: name,
      hint: `Keep ${n} in one of them`,
    })
  );
}

/** The variable a `NAME=value` word sets (the whole word when it has no `=`). */
function variableName(word: string): string {
  const eq = word.indexOf("=");
  return eq < 0 ? word : word.slice(0, eq);
}

/**
 * The unit text of checked sections: `EnvironmentFile=` for the secret values (which need a
 * Container section), and `[Install]` for the mode when the manifest has none.
 */
function unitText(
  plain: readonly ManifestSection[],
  secret: SecretEnvironment | undefined,
  sopsFile: string | undefined,
  { name, ctx }: ServiceFolder,
): Read<string | undefined> {
  const sections = plain.map((s) => ({
    name: s.name,
    lines: s.entries.flatMap((e) => e.values.map((v) => [e.key, v] as const)),
  }));
  if (secret) {
    const container = sections.find((s) => s.name === "Container");
    if (!container) {
      const message = `${SOPS_MANIFEST} adds environment values, but ${MANIFEST} has no Container`;
      return {
        value: undefined,
        problems: [problem("error", message, { file: sopsFile, service: name })],
      };
    }
    container.lines.push(["EnvironmentFile", `\${SERVICE_DIR}/${SECRET_ENV_FILE}`]);
  }
  if (!sections.some((s) => s.name === "Install")) {
    sections.push({
      name: "Install",
      lines: [["WantedBy", ctx.mode === "system" ? "multi-user.target" : "default.target"]],
    });
  }
  return { value: renderUnitText(sections), problems: [] };
}
