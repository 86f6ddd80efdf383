/**
 * Who may operate what, from the keys committed in the repository (pure). Read only from the trees
 * of the last verified fetch (a run's `fetched[].trees`, read from the commit objects), never from
 * a working tree:
 *
 * - host folders: `<path>/<host>/<service>/ssh/*.pub` or `…/ssh/keys` (authorized_keys style, one
 *   key a line) authorise that service; `<path>/<host>/ssh/*.pub` or `…/ssh/keys` the whole host;
 * - branch per service: `ssh/*.pub` or `ssh/keys` at the root of the branch authorise its service;
 * - `[remote] admin_keys` files of the agent config authorise the whole host.
 *
 * Only files directly in an `ssh/` folder count. A line that is not a key is a warning with
 * `file:line`, and the file's other keys still count.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import type { RepoEntry, RepoTree } from "../types/repo_tree.ts";
import { REMOTE_NAMESPACE } from "./canonical.ts";
import { parseKeyLine, type PublicKey } from "./ssh_keys.ts";

/** What a key opens. */
export type KeyScope =
  | { readonly kind: "host" }
  | { readonly kind: "service"; readonly service: string };

/** One authorising key, with where it was found. */
export interface RemoteKey {
  readonly key: PublicKey;
  readonly scope: KeyScope;
  /** Repository path (or the admin key's path on this host). */
  readonly file: string;
  readonly line: number;
}

/** The trees of one fetched source, as fetch_sources.ts gives them. */
export type KeySource =
  /** host folders: the tree and the host's folder in it (`<path>/<host>`) */
  | { readonly kind: "host-folders"; readonly tree: RepoTree; readonly root: string }
  /** branch per service: each branch (= service) → its whole tree */
  | { readonly kind: "branch-per-service"; readonly branches: ReadonlyMap<string, RepoTree> };

/** An admin key file's text, read from this host. */
export interface AdminKeyFile {
  readonly path: string;
  /** undefined: the file could not be read. */
  readonly text: string | undefined;
}

/** The keys, and what was wrong with the files they came from. */
export interface RemoteKeys {
  readonly keys: readonly RemoteKey[];
  readonly problems: readonly Problem[];
}

/** No keys at all (before the first run). */
export const NO_KEYS: RemoteKeys = { keys: [], problems: [] };

const dec = new TextDecoder();

/**
 * The keys of `sources` and `admin`, sorted by file and line.
 *
 * @example
 * ```ts
 * const tree = { revision: "c0ffee", entries: new Map([["pi/web/ssh/alice.pub",
 *   { kind: "file", data: new TextEncoder().encode("ssh-ed25519 AAAAC3Nz… alice\n") }]]) };
 * repoKeys([{ kind: "host-folders", tree, root: "pi" }], []).keys[0]?.scope;
 * // { kind: "service", service: "web" }
 * ```
 */
export function repoKeys(
  sources: readonly KeySource[],
  admin: readonly AdminKeyFile[],
): RemoteKeys {
  const keys: RemoteKey[] = [];
  const problems: Problem[] = [];
  const add = (file: string, entry: RepoEntry, scope: KeyScope) => {
    const read = readKeyFile(file, entry, scope);
    keys.push(...read.keys);
    problems.push(...read.problems);
  };
  for (const s of sources) {
    if (s.kind === "host-folders") {
      for (const [path, entry] of s.tree.entries) {
        const scope = scopeOf(path, s.root);
        if (scope !== undefined) add(path, entry, scope);
      }
    } else {
      for (const [service, tree] of s.branches) {
        for (const [path, entry] of tree.entries) {
          if (isKeyFile(path, "")) add(`${service}:${path}`, entry, { kind: "service", service });
        }
      }
    }
  }
  for (const a of admin) {
    if (a.text === undefined) {
      problems.push(problem("warning", `[remote] admin_keys: cannot read ${a.path}`, {
        file: a.path,
        hint: "Put the admin's public key there (ssh-keygen -y -f KEY > FILE), or remove the path",
      }));
      continue;
    }
    const read = readKeyText(a.path, a.text, { kind: "host" });
    keys.push(...read.keys);
    problems.push(...read.problems);
  }
  keys.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { keys, problems };
}

/** `ssh/NAME.pub` or `ssh/keys` directly under `dir` ("" for a tree's root). */
function isKeyFile(path: string, dir: string): boolean {
  const rel = dir === "" ? path : path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : "";
  return /^ssh\/(?:[^/]+\.pub|keys)$/.test(rel);
}

/** The scope a path of a host-folders tree authorises, if it is a key file. */
function scopeOf(path: string, root: string): KeyScope | undefined {
  if (isKeyFile(path, root)) return { kind: "host" };
  if (!path.startsWith(`${root}/`)) return undefined;
  const service = path.slice(root.length + 1).split("/")[0] ?? "";
  return isKeyFile(path, `${root}/${service}`) ? { kind: "service", service } : undefined;
}

function readKeyFile(file: string, entry: RepoEntry, scope: KeyScope): RemoteKeys {
  if (entry.kind === "file") return readKeyText(file, dec.decode(entry.data), scope);
  if (entry.kind === "dir") return NO_KEYS;
  return {
    keys: [],
    problems: [
      problem(
        "warning",
        entry.kind === "symlink"
          ? "a key file must not be a symlink; its keys are not used"
          : `a key file of ${entry.size} bytes is too large; its keys are not used`,
        { file, hint: "Commit the public key itself (one line from ssh-keygen -y -f KEY)" },
      ),
    ],
  };
}

/**
 * The keys of one key file's text (`file` names it in messages); each line that is not a key is a
 * warning at its line, and the other lines still count.
 */
export function readKeyText(file: string, text: string, scope: KeyScope): RemoteKeys {
  const keys: RemoteKey[] = [];
  const problems: Problem[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const parsed = parseKeyLine(line);
    if (parsed.ok) keys.push({ key: parsed.key, scope, file, line: i + 1 });
    else {
      problems.push(problem("warning", `not a usable SSH public key: ${parsed.reason}`, {
        file,
        line: i + 1,
        hint: "One key a line as ssh-keygen writes it: TYPE BASE64 COMMENT; this line is skipped",
        ...(scope.kind === "service" ? { service: scope.service } : {}),
      }));
    }
  }
  return { keys, problems };
}

/** True when a key of `scope` may operate `target` (a service, or the host for plan/apply). */
export function scopeAllows(scope: KeyScope, target: KeyScope): boolean {
  if (scope.kind === "host") return true;
  return target.kind === "service" && target.service === scope.service;
}

/** The keys authorising `target`. */
export function keysFor(keys: readonly RemoteKey[], target: KeyScope): RemoteKey[] {
  return keys.filter((k) => scopeAllows(k.scope, target));
}

/**
 * An allowed-signers file (ssh-keygen's ALLOWED SIGNERS format) for `keys`: each key once, its
 * principal its fingerprint, valid for the `hoist-remote` namespace only.
 *
 * @example
 * ```ts
 * allowedSigners(keysFor(keys, { kind: "service", service: "web" }));
 * // 'SHA256:1J93… namespaces="hoist-remote" ssh-ed25519 AAAAC3Nz…\n'
 * ```
 */
export function allowedSigners(keys: readonly RemoteKey[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const { key } of keys) {
    if (seen.has(key.fingerprint)) continue;
    seen.add(key.fingerprint);
    lines.push(`${key.fingerprint} namespaces="${REMOTE_NAMESPACE}" ${key.type} ${key.base64}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}
