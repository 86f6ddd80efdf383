/**
 * The trust decision on one fetched source, from facts the git and signature adapters gathered:
 * anti-rollback first, then signatures. Pure: the caller runs git, this decides.
 *
 * @module
 */
import type { TrustConfig } from "../config/load_config.ts";
import { HoistError } from "../errors.ts";
import type { SignatureResult, SourceVerdict } from "./types.ts";

/** What the store says was deployed last from one branch. */
export interface DeployedCommit {
  readonly commit: string;
  readonly signer: string;
  readonly policy: string;
}

/** What to do about one branch's signatures. */
export type SignatureCheck =
  /** require_signed = false */
  | { readonly kind: "unchecked" }
  /** this exact commit passed under this policy before */
  | { readonly kind: "cached"; readonly signer: string }
  /** verify the tip, or (verify = "all") every commit since the last deployed one */
  | { readonly kind: "verify"; readonly range: "tip" | "since-deployed" };

/** The ancestry verdict and the signature check needed for one branch. */
export type BranchDecision =
  | { readonly ok: false; readonly error: HoistError }
  | {
    readonly ok: true;
    readonly rollback?: { readonly from: string; readonly to: string };
    readonly check: SignatureCheck;
  };

const short = (sha: string) => sha.slice(0, 12);

/**
 * Decides one branch: a tip that does not descend from the last deployed commit is refused unless
 * rollbacks are allowed (by config, or once by --allow-rollback, then it is a recorded rollback);
 * then which signatures still need checking.
 */
export function branchDecision(facts: {
  readonly source: string;
  readonly branch: string;
  readonly tip: string;
  readonly prev: DeployedCommit | undefined;
  /** Whether the tip descends from (or is) the previous commit; true when there is none. */
  readonly descends: boolean;
  readonly trust: TrustConfig;
  readonly policy: string;
  readonly allowRollbackOnce: boolean;
}): BranchDecision {
  const { prev, tip, trust } = facts;
  let rollback: { from: string; to: string } | undefined;
  if (!facts.descends && prev) {
    if (!trust.allowRollback && !facts.allowRollbackOnce) {
      return {
        ok: false,
        error: new HoistError(
          "rollback-refused",
          `source ${facts.source} (branch ${facts.branch}): ${short(tip)} does not descend from ${
            short(prev.commit)
          }, ` +
            "the last deployed commit: refusing to go back (a force-push to an older commit?)",
          "If this rollback is intended, allow it once: hoist apply --allow-rollback",
        ),
      };
    }
    rollback = { from: prev.commit, to: tip };
  }
  const check: SignatureCheck = !trust.requireSigned
    ? { kind: "unchecked" }
    : prev && prev.commit === tip && prev.policy === facts.policy
    ? { kind: "cached", signer: prev.signer }
    : {
      kind: "verify",
      range: trust.verify === "all" && prev && facts.descends && prev.commit !== tip
        ? "since-deployed"
        : "tip",
    };
  return { ok: true, ...(rollback ? { rollback } : {}), check };
}

/** The signer of a branch once its signatures were checked, or the refusal. */
export function signatureVerdict(
  source: string,
  branch: string,
  tip: string,
  results: readonly SignatureResult[],
): { readonly ok: true; readonly signer: string } | {
  readonly ok: false;
  readonly error: HoistError;
} {
  const bad = results.find((r) => r.status !== "good");
  if (bad) return { ok: false, error: refusal(source, branch, bad, tip) };
  return { ok: true, signer: results[results.length - 1]?.signer ?? "" };
}

/** One branch that passed its checks. */
export interface CheckedBranch {
  readonly branch: string;
  readonly commit: string;
  /** Signer of the tip, "" when unchecked. */
  readonly signer: string;
  readonly check: SignatureCheck;
  readonly rollback?: { readonly from: string; readonly to: string };
  /** Commits whose signatures were checked now. */
  readonly checked: number;
}

/** The verdict shown in the plan for a source whose branches all passed. */
export function sourceVerdict(facts: {
  readonly source: string;
  readonly requireSigned: boolean;
  readonly branches: readonly CheckedBranch[];
}): SourceVerdict {
  const cachedAll = facts.branches.every((b) => b.check.kind === "cached");
  const rollback = facts.branches.findLast((b) => b.rollback !== undefined)?.rollback;
  return {
    source: facts.source,
    commits: Object.fromEntries(facts.branches.map((b) => [b.branch, b.commit])),
    signers: Object.fromEntries(facts.branches.map((b) => [b.branch, b.signer])),
    verdict: !facts.requireSigned ? "unchecked" : cachedAll ? "cached" : "trusted",
    checked: facts.branches.reduce((n, b) => n + b.checked, 0),
    ...(rollback ? { rollback } : {}),
  };
}

function refusal(source: string, branch: string, r: SignatureResult, tip: string): HoistError {
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
      "Sign with a key listed in [trust], or add the signer's public key there if it is trusted; " +
      "keys with valid-after/valid-before in allowed_signers, ssh certificates and gpg keys count " +
      "only while valid at the time hoist verifies, whatever the commit's date",
    bad: "The commit or its signature was altered; do not deploy it. Push a freshly signed commit",
    good: "",
  }[r.status];
  return new HoistError(
    "signature-untrusted",
    `source ${source} (branch ${branch}): ${which} ${what}${r.message ? `: ${r.message}` : ""}`,
    hint,
  );
}
