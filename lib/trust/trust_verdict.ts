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
  /** Its committer time (unix seconds), when it was recorded (signed commits only). */
  readonly committedAt?: number;
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

/** How far (seconds) a commit's committer date may be ahead of this host's clock. */
export const MAX_CLOCK_SKEW_SECONDS = 600;

/** Unix seconds as `2026-01-31T12:00:00Z`. */
const isoSeconds = (at: number) => new Date(at * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * The committer-date rule for a verified tip. The committer date is chosen by whoever makes the
 * commit, so it is checked against what hoist knows: a new tip dated before the last deployed
 * commit (a back-dated commit; allowed only with rollbacks allowed, by config or once) or more
 * than `maxSkew` seconds after `now` (this host's clock) is refused. The date of a tip that is the
 * last deployed commit is not judged again; without a date (signatures not checked) or without a
 * recorded one for the last deployed commit, that half of the rule cannot apply.
 *
 * @example
 * ```ts
 * commitDateVerdict({ source: "main", branch: "main", tip, committedAt: 1_700_000_000,
 *   prev: { commit: old, signer: "", policy: "p", committedAt: 1_700_000_100 },
 *   rollbackAllowed: false, now: 1_700_000_200 });
 * // { ok: false, error: HoistError("commit-date-refused", "… dated 2023-11-14T22:13:20Z, before …") }
 * ```
 */
export function commitDateVerdict(facts: {
  readonly source: string;
  readonly branch: string;
  readonly tip: string;
  /** The tip's committer time (unix seconds), undefined when not known. */
  readonly committedAt: number | undefined;
  readonly prev: DeployedCommit | undefined;
  /** [trust] allow_rollback or --allow-rollback: an older commit may be deployed on purpose. */
  readonly rollbackAllowed: boolean;
  /** This host's clock, unix seconds. */
  readonly now: number;
  readonly maxSkew?: number;
}): { readonly ok: true } | { readonly ok: false; readonly error: HoistError } {
  const { committedAt, prev, tip } = facts;
  if (committedAt === undefined || prev?.commit === tip) return { ok: true };
  const where = `source ${facts.source} (branch ${facts.branch})`;
  const resign = "git commit --amend --no-edit -S gives it a new committer date; push that";
  const skew = facts.maxSkew ?? MAX_CLOCK_SKEW_SECONDS;
  if (committedAt > facts.now + skew) {
    return {
      ok: false,
      error: new HoistError(
        "commit-date-refused",
        `${where}: the tip ${short(tip)} is dated ${isoSeconds(committedAt)} (committer date), ` +
          `more than ${Math.round(skew / 60)} min after this host's clock (${
            isoSeconds(facts.now)
          }): refusing a commit from the future`,
        `Check the clock of the machine that made the commit and of this host (timedatectl); ` +
          `then re-sign the commit with the right time: ${resign}`,
      ),
    };
  }
  if (prev?.committedAt !== undefined && committedAt < prev.committedAt && !facts.rollbackAllowed) {
    return {
      ok: false,
      error: new HoistError(
        "commit-date-refused",
        `${where}: the tip ${short(tip)} is dated ${isoSeconds(committedAt)} (committer date), ` +
          `before ${isoSeconds(prev.committedAt)}, the date of ${
            short(prev.commit)
          }, the last deployed commit: refusing a back-dated commit`,
        `If the signer's clock was wrong, re-sign the commit with the right time: ${resign}. ` +
          "To deploy an older commit on purpose, allow it once: hoist apply --allow-rollback",
      ),
    };
  }
  return { ok: true };
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
  /** The tip's committer time (unix seconds), when its signature was checked (now or before). */
  readonly committedAt?: number;
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
