/**
 * manifest.sops.yml's values → the text of a 0600 env file. Pure: the decrypted text comes in
 * the context's `secrets`.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { type ManifestSection, parseManifestSections } from "./parse_manifest.ts";
import type { Read } from "./read.ts";
import { SOPS_MANIFEST } from "./secrets.ts";
import type { ServiceContext } from "./service_context.ts";
import type { SecretEnvironment } from "./unit_draft.ts";

/**
 * manifest.sops.yml's values, as the lines of a 0600 env file. Only `Container.Environment` may
 * be there: anything else would end up in the generated unit (readable by every user) and in
 * podman's arguments. Messages name keys, never values. No value when nothing could be decrypted
 * or no value was set; the values that were well-formed otherwise, errors or not.
 *
 * @example
 * ```ts
 * const env = secretEnvironment("gitops/a/web/manifest.sops.yml", "web", ctx);
 * env.value?.names; // ["DB_PASSWORD"]
 * ```
 */
export function secretEnvironment(
  sopsFile: string,
  name: string,
  ctx: ServiceContext,
): Read<SecretEnvironment | undefined> {
  const decrypted = ctx.secrets.decrypted.get(sopsFile);
  if (decrypted === undefined) {
    return {
      value: undefined,
      problems: [
        ctx.secrets.offline
          ? problem("warning", "encrypted: not checked offline", { file: sopsFile, service: name })
          : problem("error", "this encrypted manifest was not decrypted", {
            file: sopsFile,
            service: name,
            hint: "Run hoist plan or apply, which decrypt with sops; validate cannot",
          }),
      ],
    };
  }
  if (!decrypted.ok) {
    return {
      value: undefined,
      problems: [
        problem("error", decrypted.message, {
          file: sopsFile,
          service: name,
          hint: decrypted.hint,
        }),
      ],
    };
  }
  const parsed = parseManifestSections(decrypted.text, sopsFile, name);
  const values = environmentValues(parsed.sections ?? [], sopsFile, name);
  return { value: values.value, problems: [...parsed.problems, ...values.problems] };
}

/** The `NAME=value` lines of `Container.Environment`; any other key is an error. */
function environmentValues(
  sections: readonly ManifestSection[],
  sopsFile: string,
  name: string,
): Read<SecretEnvironment | undefined> {
  const problems: Problem[] = [];
  const lines: string[] = [];
  const names: string[] = [];
  for (const section of sections) {
    for (const e of section.entries) {
      if (section.name !== "Container" || e.key !== "Environment") {
        problems.push(problem("error", `${section.name}.${e.key} cannot be kept secret here`, {
          file: sopsFile,
          line: e.line,
          service: name,
          hint:
            `${SOPS_MANIFEST} may only hold Container.Environment values (hoist passes them in ` +
            "a 0600 file); other keys would be readable in the generated unit and in podman's arguments",
        }));
        continue;
      }
      for (const v of e.values) {
        // the match is `NAME=`
        const m = /^[A-Za-z_][A-Za-z0-9_]*=/.exec(v);
        if (!m) {
          problems.push(problem("error", "Container.Environment values must be NAME=value", {
            file: sopsFile,
            line: e.line,
            service: name,
          }));
          continue;
        }
        names.push(m[0].slice(0, -1));
        lines.push(v);
      }
    }
  }
  const value = lines.length > 0 ? { text: lines.join("\n") + "\n", names } : undefined;
  return { value, problems };
}
