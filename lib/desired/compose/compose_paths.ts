/**
 * Where relative paths of a compose file (bind sources, `env_file`, `build.context`, file
 * secrets) point: into hoist's copy of the service folder ({@link repoPaths}), or, for
 * `hoist convert`, into the folder the file sits in ({@link hostPaths}).
 *
 * @module
 */
import { posix } from "node:path";
import type { RepoTree } from "../../types/repo_tree.ts";
import { readRepoFile } from "../repo_files.ts";
import { hostEnvFile } from "./host_env_file.ts";
import {
  type ComposeFileRead,
  ENV_COPY_DIR,
  type HostDirInputs,
  type PathPolicy,
  type PathUse,
  type ResolvedPath,
} from "./path_types.ts";
import { literal } from "./unit_words.ts";

export type {
  ComposeFileRead,
  EnvCopy,
  HostDirInputs,
  ObjectFile,
  PathPolicy,
  PathUse,
  ResolvedPath,
} from "./path_types.ts";
export { ENV_COPY_DIR } from "./path_types.ts";

/**
 * Paths of a service folder in a repository: they must stay inside it (no `..` out, no symlink
 * out) and exist in the commit; they become `${SERVICE_DIR}/…`, the service's immutable copy. An
 * `env_file` becomes `${SERVICE_DIR}/.hoist-env/repo/…`, the copy converted to what podman reads
 * (compose and podman read env files differently; `compose_env_files.ts`); one that leaves the
 * folder through a `[secrets] host_dirs` name is read from that host folder
 * (`.hoist-env/host/<name>/…`, {@link hostEnvFile}).
 *
 * @example
 * ```ts
 * repoPaths(tree, "gitops/h/web").resolve("./app.env", "file", true); // { ok: true, value: "${SERVICE_DIR}/app.env" }
 * ```
 */
export function repoPaths(tree: RepoTree, dir: string, hostDirs?: HostDirInputs): PathPolicy {
  return {
    copy: true,
    resolve(rel, use, required) {
      const norm = posix.normalize(rel).replace(/\/+$/, "");
      if (use === "env_file" && norm.startsWith("../")) {
        return hostEnvFile(rel, norm, required, hostDirs);
      }
      const resolved = resolveInRepo(tree, dir, rel, use === "env_file" ? "file" : use, required);
      if (!resolved.ok || use !== "env_file" || !resolved.value.startsWith("${SERVICE_DIR}/")) {
        return resolved;
      }
      const target = `${ENV_COPY_DIR}/repo/${norm}`;
      return {
        ok: true,
        value: `\${SERVICE_DIR}/${literal(target)}`,
        envCopy: { from: { kind: "repo", path: `${dir}/${norm}` }, target },
      };
    },
    readCompose: (rel) => readComposeFile(tree, dir, rel),
  };
}

/** A compose file inside the service folder `dir` (no `..` out, no symlink out). */
function readComposeFile(tree: RepoTree, dir: string, rel: string): ComposeFileRead {
  const norm = posix.normalize(rel);
  if (posix.isAbsolute(norm) || norm === ".." || norm.startsWith("../")) {
    return {
      ok: false,
      message: `${rel} is outside the service folder`,
      hint: "include: and extends: {file:} read compose files inside the service folder only",
    };
  }
  const path = `${dir}/${norm}`;
  if (tree.entries.get(path) === undefined) {
    return {
      ok: false,
      message: `${rel} does not exist in ${dir}/`,
      hint: `Add ${path} or fix the path`,
    };
  }
  const read = readRepoFile(tree, path, dir);
  if (!read.ok) return { ok: false, message: read.problem.message, hint: read.problem.hint ?? "" };
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    const sub = posix.dirname(norm);
    return { ok: true, file: path, sub: sub === "." ? "" : sub, text: text.decode(read.data) };
  } catch {
    return { ok: false, message: `${rel} is not UTF-8 text`, hint: "Save it as UTF-8" };
  }
}

/**
 * `policy` for a compose file in the subfolder `sub` of the service folder (an included file):
 * its relative paths are relative to its own folder, as compose reads them.
 */
export function rebased(policy: PathPolicy, sub: string): PathPolicy {
  if (sub === "") return policy;
  const join = (rel: string) => posix.isAbsolute(rel) ? rel : posix.join(sub, rel);
  const read = policy.readCompose;
  return {
    ...(policy.copy === undefined ? {} : { copy: policy.copy }),
    resolve: (rel, use, required) => policy.resolve(join(rel), use, required),
    ...(read ? { readCompose: (rel: string) => read(join(rel)) } : {}),
  };
}

function resolveInRepo(
  tree: RepoTree,
  dir: string,
  rel: string,
  use: Exclude<PathUse, "env_file">,
  required: boolean,
): ResolvedPath {
  const norm = posix.normalize(rel);
  if (posix.isAbsolute(norm)) return { ok: true, value: literal(norm) };
  if (norm === ".." || norm.startsWith("../")) {
    return {
      ok: false,
      message: `${rel} is outside the service folder; paths outside it are not supported yet`,
      hint: use === "file"
        ? "Keep the file in the service folder (an untracked secrets folder reached through ../ is a later hoist feature)"
        : "Use a path inside the service folder, or an absolute host path",
    };
  }
  const path = norm === "." ? dir : `${dir}/${norm.replace(/\/+$/, "")}`;
  const value = norm === "."
    ? "${SERVICE_DIR}"
    : `\${SERVICE_DIR}/${literal(norm.replace(/\/+$/, ""))}`;
  const entry = tree.entries.get(path);
  // an encrypted env file is decrypted into the copy under this name (secret_files.ts)
  if (entry === undefined && use === "file" && encryptedOriginal(tree, path)) {
    return { ok: true, value };
  }
  if (entry === undefined) {
    if (!required) return { ok: false, skip: true };
    return {
      ok: false,
      message: `${rel} does not exist in ${dir}/`,
      hint: use === "bind"
        ? "Relative binds mount files of the service's copy in the repository; for data that changes use a named volume or an absolute host path"
        : `Add ${path} or fix the path`,
    };
  }
  if (entry.kind === "dir") {
    return use === "file"
      ? { ok: false, message: `${rel} is a folder`, hint: "Name a file" }
      : { ok: true, value };
  }
  if (use === "context") {
    return { ok: false, message: `${rel} is not a folder`, hint: "Name a folder" };
  }
  const read = readRepoFile(tree, path, dir);
  return read.ok
    ? { ok: true, value }
    : { ok: false, message: read.problem.message, hint: read.problem.hint ?? "" };
}

/** True when `path` (`app.env`, `.env`) is the decrypted name of an encrypted file of the tree. */
function encryptedOriginal(tree: RepoTree, path: string): boolean {
  if (!path.endsWith(".env")) return false;
  const base = path.slice(0, -".env".length);
  const candidates = [`${path}.sops`, ...(base.endsWith("/") ? [] : [`${base}.sops.env`])];
  return candidates.some((c) => tree.entries.get(c)?.kind === "file");
}

/**
 * The other compose files `hoist convert` has read (absolute path → text, undefined: no such
 * file), and the ones the conversion asked for that it has not read yet (`wanted`, filled in).
 */
export interface HostComposeFiles {
  readonly files: ReadonlyMap<string, string | undefined>;
  readonly wanted: Set<string>;
  /** How problems name `dir` (the compose file's folder as the user wrote it). */
  readonly shown: string;
}

/**
 * Paths next to a compose file on this machine (`hoist convert`): relative paths become absolute
 * ones under `dir`, as compose resolves them; nothing is checked, since no repository is involved.
 * With `compose`, `include:` and `extends: {file:}` read the files given there and ask for the
 * others (the caller reads them and converts again).
 *
 * @example
 * ```ts
 * hostPaths("/srv/blog").resolve("../secrets/a.env", "file", true); // { ok: true, value: "/srv/secrets/a.env" }
 * ```
 */
export function hostPaths(dir: string, compose?: HostComposeFiles): PathPolicy {
  return {
    resolve(rel) {
      const path = posix.isAbsolute(rel) ? rel : posix.join(dir, rel);
      return { ok: true, value: literal(posix.normalize(path).replace(/(.)\/+$/, "$1")) };
    },
    ...(compose ? { readCompose: (rel: string) => hostComposeFile(dir, compose, rel) } : {}),
  };
}

function hostComposeFile(dir: string, compose: HostComposeFiles, rel: string): ComposeFileRead {
  const path = posix.normalize(posix.isAbsolute(rel) ? rel : posix.join(dir, rel));
  if (!compose.files.has(path)) {
    compose.wanted.add(path);
    return { ok: false, message: `${rel} is not read yet`, hint: "" };
  }
  const text = compose.files.get(path);
  if (text === undefined) {
    return { ok: false, message: `${rel} does not exist`, hint: `Add ${path} or fix the path` };
  }
  const sub = posix.relative(dir, posix.dirname(path));
  return { ok: true, file: posix.join(compose.shown, posix.relative(dir, path)), sub, text };
}
