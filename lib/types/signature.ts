/**
 * Commit signature verdicts and the keys they are checked against, as plain data: what the
 * signatures adapter produces and the trust decision consumes.
 *
 * @module
 */

/** What git's verify-commit said about one commit, against a keyring holding only trusted keys. */
export interface SignatureResult {
  readonly commit: string;
  /**
   * good: a valid signature by a configured key that is valid now; unsigned: no signature at all;
   * untrusted: a signature by a key that is not configured, or not valid at the time of the check,
   * whatever the commit's date (expired, revoked, outside its allowed_signers
   * `valid-after`/`valid-before`, an ssh certificate outside its validity); bad: a signature that
   * does not verify.
   */
  readonly status: "good" | "unsigned" | "untrusted" | "bad";
  readonly format: "gpg" | "ssh" | "none";
  /** Who signed: `gpg <fingerprint> <uid>` or `ssh <SHA256:…> <principal>`; "" when unknown. */
  readonly signer: string;
  /** One line for humans, from git/gpg/ssh-keygen (never secret). */
  readonly message: string;
  /**
   * The commit's committer time (unix seconds), read from the signed part of the commit object.
   * Always set when `status` is `good`; absent when the commit carries no signature (git shows no
   * payload then).
   */
  readonly committedAt?: number;
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
   * holding just the configured gpg keys, and the configured allowed_signers file, whose keys and
   * certificates count only while valid at the time of this call.
   */
  verify(
    cacheDir: string,
    commits: readonly string[],
    keys: TrustKeys,
    workDir: string,
  ): Promise<SignatureResult[]>;
}
