/**
 * The secret-bearing parts of a service folder: manifest.sops.yml's environment values, encrypted
 * env files and `${VAR}` in plain `.env` files. Pure: decrypted text comes in SecretInputs.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { parseManifestSections } from "./parse_manifest.ts";
import type { ServiceContext } from "./read_service.ts";
import { decodeText } from "./repo_files.ts";
import {
  encryptedFile,
  isPlainEnvFile,
  secretDigest,
  SOPS_MANIFEST,
  substituteVars,
} from "./secrets.ts";
import type { DesiredFile, RepoTree } from "./types.ts";

/**
 * manifest.sops.yml's values, as the lines of a 0600 env file. Only `Container.Environment` may
 * be there: anything else would end up in the generated unit (readable by every user) and in
 * podman's arguments. Messages name keys, never values.
 */
export function secretEnvironment(
  sopsFile: string,
  name: string,
  ctx: ServiceContext,
  problems: Problem[],
): { text: string; names: string[] } | undefined {
  const decrypted = ctx.secrets.decrypted.get(sopsFile);
  if (decrypted === undefined) {
    problems.push(
      ctx.secrets.offline
        ? problem("warning", "encrypted: not checked offline", { file: sopsFile, service: name })
        : problem("error", "this encrypted manifest was not decrypted", {
          file: sopsFile,
          service: name,
          hint: "Run hoist plan or apply, which decrypt with sops; validate cannot",
        }),
    );
    return undefined;
  }
  if (!decrypted.ok) {
    problems.push(
      problem("error", decrypted.message, { file: sopsFile, service: name, hint: decrypted.hint }),
    );
    return undefined;
  }
  const parsed = parseManifestSections(decrypted.text, sopsFile, name);
  problems.push(...parsed.problems);
  const lines: string[] = [];
  const names: string[] = [];
  for (const section of parsed.sections ?? []) {
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
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(v);
        if (!m) {
          problems.push(problem("error", "Container.Environment values must be NAME=value", {
            file: sopsFile,
            line: e.line,
            service: name,
          }));
          continue;
        }
        names.push(m[1]!);
        lines.push(v);
      }
    }
  }
  return lines.length > 0 ? { text: lines.join("\n") + "\n", names } : undefined;
}

/**
 * The service's files with secrets handled: `*.sops.env` / `*.env.sops` decrypted into
 * `<name>.env`, `${VAR}` in plain `.env` files filled in; both marked secret (0600).
 */
export function secretFiles(
  tree: RepoTree,
  dir: string,
  name: string,
  files: readonly DesiredFile[],
  ctx: ServiceContext,
  problems: Problem[],
): DesiredFile[] {
  const out: DesiredFile[] = [];
  for (const f of files) {
    if (!isPlainEnvFile(f.path.split("/").pop()!)) {
      out.push(f);
      continue;
    }
    const file = `${dir}/${f.path}`;
    const decoded = decodeText(f.data, file, name);
    if (decoded.text === undefined) {
      problems.push(decoded.problem!);
      continue;
    }
    const filled = substituteVars(decoded.text, file, name, ctx.secrets.vars, ctx.secrets.offline);
    problems.push(...filled.problems);
    if (filled.text === undefined) continue;
    const data = new TextEncoder().encode(filled.text);
    out.push({ path: f.path, data, digest: secretDigest(ctx.secrets, data), secret: true });
  }
  for (const path of [...tree.entries.keys()].filter((p) => p.startsWith(dir + "/")).sort()) {
    const rel = path.slice(dir.length + 1);
    const enc = encryptedFile(rel.split("/").pop()!);
    if (!enc || enc.format !== "dotenv" || tree.entries.get(path)?.kind === "dir") continue;
    const target = [...rel.split("/").slice(0, -1), enc.target].join("/");
    const decrypted = ctx.secrets.decrypted.get(path);
    if (decrypted === undefined && ctx.secrets.offline) {
      // stands in for the decrypted file, so references to it still check out
      problems.push(
        problem("warning", "encrypted: not checked offline", { file: path, service: name }),
      );
      out.push({ path: target, data: new Uint8Array(), digest: "", secret: true, origin: rel });
      continue;
    }
    if (decrypted === undefined || !decrypted.ok) {
      problems.push(
        problem("error", decrypted?.message ?? "this encrypted file was not decrypted", {
          file: path,
          service: name,
          hint: decrypted?.hint ??
            "Run hoist plan or apply, which decrypt with sops; validate cannot",
        }),
      );
      continue;
    }
    if (out.some((f) => f.path === target)) {
      problems.push(problem("error", `${target} exists both plain and encrypted`, {
        file: path,
        service: name,
        hint: `Keep only ${rel}`,
      }));
      continue;
    }
    const data = new TextEncoder().encode(decrypted.text);
    out.push({
      path: target,
      data,
      digest: secretDigest(ctx.secrets, data),
      secret: true,
      origin: rel,
    });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
