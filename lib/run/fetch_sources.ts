/**
 * Fetch every source and decide whether to trust it, before anything of it is used:
 * anti-rollback (the new commit descends from the last deployed one), then signatures checked by
 * git's verify-commit against only the configured keys, then the signed tip's committer date
 * (not before the last deployed commit's, not in the future); the decisions themselves are the pure
 * functions of lib/trust/trust_verdict.ts. Only then may the commits' trees be read — from the
 * commit objects, never from a working tree, and only when asked for (`loadTrees`).
 *
 * @module
 */
import type { Config, HostFoldersSource, SourceConfig } from "../config/load_config.ts";
import { sourceBranches } from "../config/source_branches.ts";
import type { Deps } from "../deps.ts";
import { sha256Hex } from "../desired/digest.ts";
import type { RepoTree } from "../desired/types.ts";
import { HoistError, osErrorHint, strerrorCode } from "../errors.ts";
import type { SourceRecord, Store } from "../state/store.ts";
import {
  branchDecision,
  type CheckedBranch,
  commitDateVerdict,
  signatureVerdict,
  sourceVerdict,
} from "../trust/trust_verdict.ts";
import type { SourceVerdict } from "../trust/types.ts";

/** The trees of one fetched source, by its kind. */
export type SourceTrees =
  /** host folders: the host's folder of the branch's commit (`layout = "services"`: its `path`) */
  | { readonly kind: "host-folders"; readonly tree: RepoTree }
  /**
   * one tree per service, keyed by the service's name: each branch of a branch-per-service source,
   * or a per-service repository's branch (`service = "<name>"`)
   */
  | { readonly kind: "branch-per-service"; readonly branches: ReadonlyMap<string, RepoTree> };

/** One fetched, trusted source and the trees to read. */
export interface FetchedSource {
  readonly source: SourceConfig;
  readonly verdict: SourceVerdict;
  /**
   * Reads the trees from the verified commits (`git archive`), once: later calls share the first
   * read. A run whose desired state comes from the desired-state cache never calls it.
   */
  readonly loadTrees: () => Promise<SourceTrees>;
  /** What to record as deployed once applied. */
  readonly records: readonly Omit<SourceRecord, "deployedAt">[];
  /** True when a record differs from what the store holds (a new commit, signer or policy). */
  readonly changed: boolean;
}

/** A fetched source with its trees read. */
export interface LoadedSource {
  readonly source: SourceConfig;
  readonly trees: SourceTrees;
}

/** Reads the trees of every fetched source (their `git archive`s run at once). */
export async function loadSources(fetched: readonly FetchedSource[]): Promise<LoadedSource[]> {
  const trees = await Promise.all(fetched.map((f) => f.loadTrees()));
  return fetched.map((f, i) => ({ source: f.source, trees: trees[i]! }));
}

/** Run-time switches. */
export interface FetchOptions {
  /** `hoist apply --allow-rollback`: accept a commit that does not descend from the last deployed one. */
  readonly allowRollback: boolean;
}

/** Where a source's cached bare repository lives. */
export function sourceCache(config: Config, source: SourceConfig): string {
  return `${config.stateDir}/cache/${source.name}.git`;
}

/** A local path source becomes absolute against `cwd` (git runs with `-C <cache>`). */
export function resolveUrl(url: string, cwd: string): string {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/:]+:/.test(url);
  if (isUrl || url.startsWith("/")) return url;
  return `${cwd}/${url}`;
}

/** Hash of everything the trust decision depends on (a change re-verifies cached commits). */
async function policyHash(deps: Deps, config: Config): Promise<string> {
  const t = config.trust;
  const parts = [`require=${t.requireSigned}`, `verify=${t.verify}`];
  for (const f of [...t.gpgKeys, ...(t.allowedSigners ? [t.allowedSigners] : [])]) {
    parts.push(`${f}:${sha256Hex((await deps.fs.readText(f)) ?? "(missing)")}`);
  }
  return sha256Hex(parts.join("\n")).slice(0, 16);
}

/** Fetches and verifies every configured source, in order. Throws HoistError on any refusal. */
export async function fetchSources(
  deps: Deps,
  config: Config,
  store: Store,
  opts: FetchOptions,
): Promise<FetchedSource[]> {
  await deps.fs.mkdirp(`${config.stateDir}/cache`);
  const trust = config.trust;
  if (trust.requireSigned && trust.gpgKeys.length === 0 && trust.allowedSigners === undefined) {
    throw new HoistError(
      "signature-untrusted",
      `require_signed is on but ${config.file} lists no signing keys`,
      'Add [trust] gpg_keys = ["/etc/hoist/keys/alice.asc"] and/or allowed_signers = "/etc/hoist/allowed_signers", ' +
        "or set require_signed = false explicitly (hoist then warns on every run)",
    );
  }
  const policy = await policyHash(deps, config);
  const out: FetchedSource[] = [];
  for (const source of config.sources) {
    out.push(await fetchOne(deps, config, store, source, policy, opts));
  }
  return out;
}

async function fetchOne(
  deps: Deps,
  config: Config,
  store: Store,
  source: SourceConfig,
  policy: string,
  opts: FetchOptions,
): Promise<FetchedSource> {
  const cache = sourceCache(config, source);
  const branches = sourceBranches(source);
  const tips = await deps.git.fetch({
    url: resolveUrl(source.url, deps.cwd()),
    branches,
    cacheDir: cache,
    // History is needed to check ancestry and to verify every new commit.
    shallow: config.trust.allowRollback && config.trust.verify === "tip",
    ...(source.timeoutMs === undefined ? {} : { timeoutMs: source.timeoutMs }),
    auth: {
      ...(source.sshKey === undefined ? {} : { sshKey: source.sshKey }),
      ...(source.knownHosts === undefined ? {} : { knownHosts: source.knownHosts }),
      ...(source.tokenFile === undefined ? {} : { tokenFile: source.tokenFile }),
    },
  }).catch((e) => {
    throw cacheFault(e, cache);
  });
  const last = store.lastDeployed(source.name);
  const checked: CheckedBranch[] = [];
  for (const branch of branches) {
    const tip = tips.get(branch);
    if (tip === undefined) {
      throw new HoistError("source-failed", `source ${source.name}: git fetched no ${branch}`);
    }
    checked.push(
      await checkBranch(deps, config, cache, source.name, branch, tip, {
        prev: last.get(branch),
        policy,
        allowRollbackOnce: opts.allowRollback,
      }),
    );
  }
  let trees: Promise<SourceTrees> | undefined;
  const loadTrees = () => trees ??= readTrees(deps, config, source, cache, checked);
  const verdict = sourceVerdict({
    source: source.name,
    requireSigned: config.trust.requireSigned,
    branches: checked,
  });
  const records = checked.map((b) => ({
    source: source.name,
    branch: b.branch,
    commit: b.commit,
    signer: b.signer,
    policy,
    ...(b.committedAt === undefined ? {} : { committedAt: b.committedAt }),
  }));
  const changed = records.some((r) => {
    const prev = last.get(r.branch);
    return !prev || prev.commit !== r.commit || prev.policy !== r.policy ||
      prev.signer !== r.signer || prev.committedAt !== r.committedAt;
  });
  return { source, verdict, loadTrees, records, changed };
}

/**
 * A fetch that failed because the cache's file system did (git: `No space left on device`,
 * `Read-only file system`, `Permission denied` on a local file) gets the hint for that, not the
 * one about the URL; any other error is returned as it is.
 */
function cacheFault(e: unknown, cache: string): unknown {
  if (!(e instanceof HoistError)) return e;
  const code = strerrorCode(e.message);
  // "Permission denied" also comes from ssh and the server; only local write errors say "write"
  if (code === undefined || (code === "EACCES" && !/unable to (write|create)/.test(e.message))) {
    return e;
  }
  return new HoistError(e.code, e.message, osErrorHint(code, cache, e.hint ?? ""), { cause: e });
}

async function checkBranch(
  deps: Deps,
  config: Config,
  cache: string,
  source: string,
  branch: string,
  tip: string,
  facts: {
    prev: SourceRecord | undefined;
    policy: string;
    allowRollbackOnce: boolean;
  },
): Promise<CheckedBranch> {
  const { prev } = facts;
  const trust = config.trust;
  // allow_rollback = true needs no ancestry (and fetches shallow, where it cannot be checked)
  const descends = prev === undefined || prev.commit === tip || trust.allowRollback ||
    await deps.git.isAncestor(cache, prev.commit, tip);
  const decision = branchDecision({ source, branch, tip, descends, trust, ...facts });
  if (!decision.ok) throw decision.error;
  const { check } = decision;
  const done = {
    branch,
    commit: tip,
    check,
    ...(decision.rollback ? { rollback: decision.rollback } : {}),
  };
  if (check.kind === "unchecked") return { ...done, signer: "", checked: 0 };
  if (check.kind === "cached") {
    const at = prev?.committedAt;
    return {
      ...done,
      signer: check.signer,
      checked: 0,
      ...(at === undefined ? {} : { committedAt: at }),
    };
  }
  const range = check.range === "since-deployed" && prev
    ? await deps.git.newCommits(cache, prev.commit, tip)
    : [tip];
  const results = await deps.signatures.verify(
    cache,
    range.length > 0 ? range : [tip],
    { gpgKeys: trust.gpgKeys, allowedSigners: trust.allowedSigners },
    `${config.stateDir}/trust`,
  );
  const verdict = signatureVerdict(source, branch, tip, results);
  if (!verdict.ok) throw verdict.error;
  // the signed tip's own date, against the last deployed commit's and this host's clock
  const committedAt = results.find((r) => r.commit === tip)?.committedAt;
  const dated = commitDateVerdict({
    source,
    branch,
    tip,
    committedAt,
    prev,
    rollbackAllowed: trust.allowRollback || facts.allowRollbackOnce,
    now: Math.floor(deps.clock().getTime() / 1000),
  });
  if (!dated.ok) throw dated.error;
  return {
    ...done,
    signer: verdict.signer,
    checked: results.length,
    ...(committedAt === undefined ? {} : { committedAt }),
  };
}

async function readTrees(
  deps: Deps,
  config: Config,
  source: SourceConfig,
  cache: string,
  checked: readonly CheckedBranch[],
): Promise<SourceTrees> {
  if (source.kind === "branch-per-service") {
    const branches = new Map<string, RepoTree>();
    for (const b of checked) branches.set(b.branch, await deps.git.readTree(cache, b.commit, ""));
    return { kind: "branch-per-service", branches };
  }
  const commit = checked[0]?.commit ?? "";
  switch (source.kind) {
    case "host-folders":
      return {
        kind: "host-folders",
        tree: await readHostTree(deps, config, source, cache, commit),
      };
    case "services-folder":
      // no host level: the service folders themselves, read as the host folder would be
      return { kind: "host-folders", tree: await deps.git.readTree(cache, commit, source.path) };
    case "service-repo":
      // the repository is one service's folder: read as that service's own tree
      return {
        kind: "branch-per-service",
        branches: new Map([[source.service, await deps.git.readTree(cache, commit, "")]]),
      };
  }
}

/** The commit's host folder; when it is missing, the hosts that exist (for the error's hint). */
async function readHostTree(
  deps: Deps,
  config: Config,
  source: HostFoldersSource,
  cache: string,
  commit: string,
): Promise<RepoTree> {
  const root = source.path === "" ? config.host : `${source.path}/${config.host}`;
  const tree = await deps.git.readTree(cache, commit, root);
  if (tree.entries.size > 0) return tree;
  const hosts = await deps.git.listDirs(cache, commit, source.path);
  const entries = new Map(
    hosts.map((h) => [source.path === "" ? h : `${source.path}/${h}`, { kind: "dir" } as const]),
  );
  return { revision: commit, entries };
}
