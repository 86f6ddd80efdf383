/**
 * Signature verdicts and the trust decision made from them.
 *
 * @module
 */

/** What git's verify-commit said about one commit, against a keyring holding only trusted keys. */
export interface SignatureResult {
  readonly commit: string;
  /**
   * good: a valid signature by a configured key; unsigned: no signature at all; untrusted: a
   * signature by a key that is not configured; bad: a signature that does not verify.
   */
  readonly status: "good" | "unsigned" | "untrusted" | "bad";
  readonly format: "gpg" | "ssh" | "none";
  /** Who signed: `gpg <fingerprint> <uid>` or `ssh <SHA256:…> <principal>`; "" when unknown. */
  readonly signer: string;
  /** One line for humans, from git/gpg/ssh-keygen (never secret). */
  readonly message: string;
}

/** The keys a source's commits are checked against. */
export interface TrustKeys {
  /** Armored public gpg keys; only these may sign. */
  readonly gpgKeys: readonly string[];
  /** ssh allowed_signers file (git's format), or undefined for none. */
  readonly allowedSigners: string | undefined;
}

/** Verifies commits of a cached repository with git's own verify-commit. */
export interface Signatures {
  /**
   * Checks each commit (in order) against `keys` only: an isolated GNUPGHOME under `workDir`
   * holding just the configured gpg keys, and the configured allowed_signers file.
   */
  verify(
    cacheDir: string,
    commits: readonly string[],
    keys: TrustKeys,
    workDir: string,
  ): Promise<SignatureResult[]>;
}

/** The trust verdict on one fetched source, shown in the plan header and recorded. */
export interface SourceVerdict {
  readonly source: string;
  /** Branch → commit (one entry for a path source). */
  readonly commits: Readonly<Record<string, string>>;
  /** Signer of each tip, "" when unsigned. */
  readonly signers: Readonly<Record<string, string>>;
  /** trusted: signatures checked now; cached: this exact commit was verified under this policy before; unchecked: require_signed = false. */
  readonly verdict: "trusted" | "cached" | "unchecked";
  /** Commits whose signatures were checked in this run. */
  readonly checked: number;
  /** Set when an older commit than the last deployed one was accepted with --allow-rollback. */
  readonly rollback?: { readonly from: string; readonly to: string };
}
