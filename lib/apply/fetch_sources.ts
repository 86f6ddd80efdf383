/**
 * Fetch every source and decide whether to trust it, before anything of it is used:
 * anti-rollback (the new commit descends from the last deployed one), then signatures checked by
 * git's verify-commit against only the configured keys. Only then are the commits' trees read —
 * from the commit objects, never from a working tree.
 *
 * @module
 */
import type { Config, SourceConfig } from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { sha256Hex } from "../desired/digest.ts";
import type { RepoTree } from "../desired/types.ts";
import { HoistError } from "../errors.ts";
import type { SourceRecord, Store } from "../state/store.ts";
import type { SignatureResult, SourceVerdict } from "../trust/types.ts";

/** One fetched, trusted source and the trees to read. */
export interface FetchedSource {
  readonly source: SourceConfig;
  readonly verdict: SourceVerdict;
  /** Path source: one entry (its branch → the host folder). Branch source: each branch → whole tree. */
  readonly trees: ReadonlyMap<string, RepoTree>;
  /** What to record as deployed once applied. */
  readonly records: readonly Omit<SourceRecord, "deployedAt">[];
  /** True when a record differs from what the store holds (a new commit, signer or policy). */
  readonly changed: boolean;
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

/** A local path source becomes absolute (git runs with `-C <cache>`). */
export function resolveUrl(url: string): string {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/:]+:/.test(url);
  if (isUrl || url.startsWith("/")) return url;
  return `${Deno.cwd()}/${url}`;
}

const short = (sha: string) => sha.slice(0, 12);

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
  const trust = config.trust;
  const cache = sourceCache(config, source);
  const branches = source.branches.length > 0 ? source.branches : [source.branch];
  const auth = {
    ...(source.sshKey === undefined ? {} : { sshKey: source.sshKey }),
    ...(source.knownHosts === undefined ? {} : { knownHosts: source.knownHosts }),
    ...(source.tokenFile === undefined ? {} : { tokenFile: source.tokenFile }),
  };
  // History is needed to check ancestry and to verify every new commit.
  const shallow = trust.allowRollback && trust.verify === "tip";
  const tips = await deps.git.fetch({
    url: resolveUrl(source.url),
    branches,
    cacheDir: cache,
    shallow,
    auth,
  });
  const last = store.lastDeployed(source.name);
  const commits: Record<string, string> = {};
  const signers: Record<string, string> = {};
  let checked = 0;
  let cachedAll = true;
  let rollback: { from: string; to: string } | undefined;
  for (const branch of branches) {
    const tip = tips.get(branch)!;
    commits[branch] = tip;
    const prev = last.get(branch);
    // allow_rollback = true needs no ancestry (and fetches shallow, where it cannot be checked)
    const descends = prev === undefined || prev.commit === tip || trust.allowRollback ||
      await deps.git.isAncestor(cache, prev.commit, tip);
    if (!descends && prev) {
      if (!trust.allowRollback && !opts.allowRollback) {
        throw new HoistError(
          "rollback-refused",
          `source ${source.name} (branch ${branch}): ${short(tip)} does not descend from ${
            short(prev.commit)
          }, ` +
            "the last deployed commit: refusing to go back (a force-push to an older commit?)",
          "If this rollback is intended, allow it once: hoist apply --allow-rollback",
        );
      }
      rollback = { from: prev.commit, to: tip };
    }
    if (!trust.requireSigned) {
      signers[branch] = "";
      cachedAll = false;
      continue;
    }
    if (prev && prev.commit === tip && prev.policy === policy) {
      signers[branch] = prev.signer;
      continue;
    }
    cachedAll = false;
    const toCheck = trust.verify === "all" && prev && descends && prev.commit !== tip
      ? await deps.git.newCommits(cache, prev.commit, tip)
      : [tip];
    const results = await deps.signatures.verify(
      cache,
      toCheck.length > 0 ? toCheck : [tip],
      { gpgKeys: trust.gpgKeys, allowedSigners: trust.allowedSigners },
      `${config.stateDir}/trust`,
    );
    checked += results.length;
    const bad = results.find((r) => r.status !== "good");
    if (bad) throw refusal(source, branch, bad, tip);
    signers[branch] = results[results.length - 1]?.signer ?? "";
  }
  const trees = new Map<string, RepoTree>();
  if (source.branches.length > 0) {
    for (const branch of branches) {
      trees.set(branch, await deps.git.readTree(cache, commits[branch]!, ""));
    }
  } else {
    trees.set(
      source.branch,
      await readHostTree(deps, config, source, cache, commits[source.branch]!),
    );
  }
  const verdict: SourceVerdict = {
    source: source.name,
    commits,
    signers,
    verdict: !trust.requireSigned ? "unchecked" : cachedAll ? "cached" : "trusted",
    checked,
    ...(rollback ? { rollback } : {}),
  };
  const records = branches.map((branch) => ({
    source: source.name,
    branch,
    commit: commits[branch]!,
    signer: signers[branch] ?? "",
    policy,
  }));
  const changed = records.some((r) => {
    const prev = last.get(r.branch);
    return !prev || prev.commit !== r.commit || prev.policy !== r.policy ||
      prev.signer !== r.signer;
  });
  return { source, verdict, trees, records, changed };
}

function refusal(
  source: SourceConfig,
  branch: string,
  r: SignatureResult,
  tip: string,
): HoistError {
  const which = r.commit === tip
    ? `the tip ${short(r.commit)}`
    : `commit ${short(r.commit)} (before the tip ${short(tip)})`;
  const what = {
    unsigned: "is not signed",
    untrusted: `is signed by a key hoist does not trust${r.signer ? ` (${r.signer})` : ""}`,
    bad: "has a signature that does not verify",
    good: "",
  }[r.status];
  const hint = {
    unsigned:
      "Sign commits (git commit -S) with a key listed in [trust] gpg_keys or allowed_signers",
    untrusted:
      "Sign with a key listed in [trust], or add the signer's public key there if it is trusted",
    bad: "The commit or its signature was altered; do not deploy it. Push a freshly signed commit",
    good: "",
  }[r.status];
  return new HoistError(
    "signature-untrusted",
    `source ${source.name} (branch ${branch}): ${which} ${what}${
      r.message ? `: ${r.message}` : ""
    }`,
    hint,
  );
}

/** The commit's host folder; when it is missing, the hosts that exist (for the error's hint). */
async function readHostTree(
  deps: Deps,
  config: Config,
  source: SourceConfig,
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
