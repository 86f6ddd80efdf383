/**
 * The files of a service folder that go into its immutable copy, secrets handled.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { baseName } from "./base_name.ts";
import { isDraftFile } from "./draft_sources.ts";
import type { Read } from "./read.ts";
import { collectFiles } from "./repo_files.ts";
import { secretFiles } from "./secret_files.ts";
import { encryptedFile, SECRET_ENV_FILE, secretDigest, SOPS_MANIFEST } from "./secrets.ts";
import type { ServiceFolder } from "./service_context.ts";
import type { DesiredFile } from "./types.ts";
import type { UnitDraft } from "./unit_draft.ts";

/**
 * Every file of the folder but unit inputs and encrypted originals, with secrets decrypted or
 * filled in ({@link secretFiles}), then the 0600 env file of each draft's secret values.
 *
 * @example
 * ```ts
 * const { value: files, problems } = serviceFiles(folder, drafts);
 * files.map((f) => f.path); // ["Caddyfile", "app.env", ".manifest-secrets.env"]
 * ```
 */
export function serviceFiles(
  folder: ServiceFolder,
  drafts: readonly UnitDraft[],
): Read<DesiredFile[]> {
  const { tree, dir, name } = folder;
  const skip = (rel: string) => isDraftFile(rel) || encryptedFile(baseName(rel)) !== undefined;
  const collected = collectFiles(tree, dir, skip, name);
  const secret = secretFiles(folder, collected.files);
  const files = [...secret.value];
  const problems: Problem[] = [...collected.problems, ...secret.problems];
  for (const d of drafts) {
    if (!d.secretEnv) continue;
    if (files.some((f) => f.path === SECRET_ENV_FILE)) {
      problems.push(
        problem("error", `${SECRET_ENV_FILE} is reserved for ${SOPS_MANIFEST}'s values`, {
          file: `${dir}/${SECRET_ENV_FILE}`,
          service: name,
          hint: "Rename that file",
        }),
      );
      continue;
    }
    const data = new TextEncoder().encode(d.secretEnv.text);
    files.push({
      path: SECRET_ENV_FILE,
      data,
      digest: secretDigest(folder.ctx.secrets, data),
      secret: true,
      origin: SOPS_MANIFEST,
    });
  }
  return { value: files, problems };
}
