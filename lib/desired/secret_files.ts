/**
 * A service folder's files with their secrets handled: encrypted env files decrypted, `${VAR}`
 * in plain `.env` files filled in. Pure: decrypted text and variables come in the context.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { baseName } from "./base_name.ts";
import { isComposeFolder } from "./compose_source.ts";
import type { Read } from "./read.ts";
import { decodeText, pathsUnder } from "./repo_files.ts";
import { encryptedFile, isPlainEnvFile, secretDigest, substituteVars } from "./secrets.ts";
import type { ServiceFolder } from "./service_context.ts";
import type { DesiredFile } from "./types.ts";

/**
 * The service's files with secrets handled: `*.sops.env` / `*.env.sops` decrypted into
 * `<name>.env`, `${VAR}` in plain `.env` files filled in; both marked secret (0600). In a compose
 * folder plain `.env` files are copied as they are, still 0600: compose's own rules
 * read them (the converter, `compose_env_files.ts`), and a literal `$` in one is no variable.
 * Sorted by path; a file that could not be handled is left out, with its problem.
 *
 * @example
 * ```ts
 * const { value: files, problems } = secretFiles(folder, collectFiles(tree, dir, skip).files);
 * ```
 */
export function secretFiles(
  folder: ServiceFolder,
  files: readonly DesiredFile[],
): Read<DesiredFile[]> {
  const plain = isComposeFolder(folder)
    ? { value: files.map(asSecretEnvFile(folder)), problems: [] }
    : filledEnvFiles(folder, files);
  const all = withDecryptedEnvFiles(folder, plain.value);
  return {
    value: all.value.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    problems: [...plain.problems, ...all.problems],
  };
}

/** A plain `.env` file as it is, but secret (0600, keyed digest); other files unchanged. */
function asSecretEnvFile(folder: ServiceFolder): (f: DesiredFile) => DesiredFile {
  return (f) =>
    isPlainEnvFile(baseName(f.path))
      ? { ...f, digest: secretDigest(folder.ctx.secrets, f.data), secret: true }
      : f;
}

/** `files` with `${VAR}` filled in each plain `.env` file, which becomes secret. */
function filledEnvFiles(
  { dir, name, ctx }: ServiceFolder,
  files: readonly DesiredFile[],
): Read<DesiredFile[]> {
  const out: DesiredFile[] = [];
  const problems: Problem[] = [];
  for (const f of files) {
    if (!isPlainEnvFile(baseName(f.path))) {
      out.push(f);
      continue;
    }
    const file = `${dir}/${f.path}`;
    const decoded = decodeText(f.data, file, name);
    if (!decoded.ok) {
      problems.push(decoded.problem);
      continue;
    }
    const filled = substituteVars(decoded.text, file, name, ctx.secrets.vars, ctx.secrets.offline);
    problems.push(...filled.problems);
    if (filled.text === undefined) continue;
    const data = new TextEncoder().encode(filled.text);
    out.push({ path: f.path, data, digest: secretDigest(ctx.secrets, data), secret: true });
  }
  return { value: out, problems };
}

/** `files` and, after them, the decrypted copy of each encrypted env file of the folder. */
function withDecryptedEnvFiles(
  folder: ServiceFolder,
  files: readonly DesiredFile[],
): Read<DesiredFile[]> {
  const { tree, dir } = folder;
  const out = [...files];
  const problems: Problem[] = [];
  for (const path of pathsUnder(tree, dir)) {
    const rel = path.slice(dir.length + 1);
    const enc = encryptedFile(baseName(rel));
    if (!enc || enc.format !== "dotenv" || tree.entries.get(path)?.kind === "dir") continue;
    const target = [...rel.split("/").slice(0, -1), enc.target].join("/");
    const decrypted = decryptedEnvFile(folder, path, target, out);
    problems.push(...decrypted.problems);
    if (decrypted.value) out.push(decrypted.value);
  }
  return { value: out, problems };
}

/**
 * The decrypted copy of the encrypted env file at `path`, named `target`; offline, an empty
 * stand-in (so references to it still check out) and a warning.
 */
function decryptedEnvFile(
  { dir, name, ctx }: ServiceFolder,
  path: string,
  target: string,
  taken: readonly DesiredFile[],
): Read<DesiredFile | undefined> {
  const rel = path.slice(dir.length + 1);
  const decrypted = ctx.secrets.decrypted.get(path);
  if (decrypted === undefined && ctx.secrets.offline) {
    return {
      value: { path: target, data: new Uint8Array(), digest: "", secret: true, origin: rel },
      problems: [
        problem("warning", "encrypted: not checked offline", { file: path, service: name }),
      ],
    };
  }
  if (decrypted === undefined || !decrypted.ok) {
    return {
      value: undefined,
      problems: [
        problem("error", decrypted?.message ?? "this encrypted file was not decrypted", {
          file: path,
          service: name,
          hint: decrypted?.hint ??
            "Run hoist plan or apply, which decrypt with sops; validate cannot",
        }),
      ],
    };
  }
  if (taken.some((f) => f.path === target)) {
    return {
      value: undefined,
      problems: [problem("error", `${target} exists both plain and encrypted`, {
        file: path,
        service: name,
        hint: `Keep only ${rel}`,
      })],
    };
  }
  const data = new TextEncoder().encode(decrypted.text);
  const digest = secretDigest(ctx.secrets, data);
  return { value: { path: target, data, digest, secret: true, origin: rel }, problems: [] };
}
