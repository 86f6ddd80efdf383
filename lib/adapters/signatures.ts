/**
 * Commit signatures checked with git's own `verify-commit`, against an isolated keyring that holds
 * only the configured gpg keys and the configured ssh allowed_signers file: a key in the user's
 * `~/.gnupg` is never trusted.
 *
 * Argv building and output parsing are pure and exported (`gpg --import` of the keyring's keys in
 * `ensure_keyring.ts`, the verdict of `git verify-commit` in `parse_verify_commit.ts`); they were
 * written from what git 2.39, gpg 2.2 and ssh-keygen (OpenSSH 9.2) really print (see
 * tests/adapters/signatures_parse_test.ts).
 *
 * Key validity is judged when hoist verifies, never at the commit's date (which the signer picks):
 * - ssh: git runs `ssh-keygen -Y find-principals` (then `-Y verify` or `-Y check-novalidate`) with
 *   `-Overify-time=<committer date>`, and ssh-keygen judges the `valid-after`/`valid-before`
 *   options of allowed_signers and a certificate's validity at that time. hoist therefore pins
 *   `gpg.ssh.program` to {@link SSH_KEYGEN_NOW}, a wrapper in its trust folder that drops that
 *   argument and runs ssh-keygen with the rest: ssh-keygen judges at the current time, and says why
 *   it refused (`…/allowed_signers:1: key has expired: verify time … > valid-before …`,
 *   `key is not yet valid`, for a certificate `…:1: no valid principals found`); the verdict's
 *   message carries those lines.
 * - gpg judges key expiry and revocation at the current time by itself (`EXPKEYSIG`/`REVKEYSIG`
 *   for a signature dated before the expiry or revocation, checked in the integration tests), so
 *   the keyring needs nothing of the kind.
 *
 * @module
 */
import { resolve } from "node:path";
import { HoistError } from "../errors.ts";
import type { SignatureResult, Signatures, TrustKeys } from "../types/signature.ts";
import { ensureKeyring } from "./ensure_keyring.ts";
import type { Fs } from "./fs.ts";
import { GIT_ENV } from "./git.ts";
import { parseVerifyCommit, withCommitTime } from "./parse_verify_commit.ts";
import type { Runner } from "./run_command.ts";

/** The allowed_signers file used when none is configured: empty, so no ssh key is trusted. */
export function noSignersFile(workDir: string): string {
  return `${workDir}/allowed_signers.none`;
}

/**
 * The program git runs as `gpg.ssh.program`: ssh-keygen without git's `-Overify-time=<committer
 * date>`, so keys and certificates are judged at the time hoist verifies. Every other argument
 * (the allowed_signers path, the principal…) reaches ssh-keygen unchanged, spaces and all.
 */
export const SSH_KEYGEN_NOW = `#!/bin/sh
# hoist: ssh-keygen judging keys at the time hoist verifies, never at the commit's own date
for a in "$@"; do shift; case $a in -Overify-time=*) ;; *) set -- "$@" "$a" ;; esac; done
exec ssh-keygen "$@"
`;

/** Where {@link SSH_KEYGEN_NOW} is written (mode 0700) under the work folder. */
export function sshKeygenWrapper(workDir: string): string {
  return `${workDir}/ssh-keygen-now`;
}

/**
 * Argv of `git verify-commit --verbose --raw` for one commit. The programs are pinned with `-c`
 * (which overrides the cache's own config), so an edited `cacheDir/config` cannot swap gpg or
 * ssh-keygen for something that always says "good"; `sshProgram` is {@link sshKeygenWrapper}.
 * `--verbose` prints the signed part of the commit object on stdout (nothing for an unsigned
 * commit), which gives {@link parseCommittedAt} its committer date without another process.
 */
export function verifyArgs(
  cacheDir: string,
  commit: string,
  allowedSigners: string,
  sshProgram: string,
): string[] {
  return [
    "-C",
    cacheDir,
    "-c",
    "gpg.program=gpg",
    "-c",
    "gpg.openpgp.program=gpg",
    "-c",
    `gpg.ssh.program=${sshProgram}`,
    "-c",
    "gpg.x509.program=gpgsm",
    "-c",
    `gpg.ssh.allowedSignersFile=${allowedSigners}`,
    "verify-commit",
    "--verbose",
    "--raw",
    commit,
  ];
}

/** Creates the signature verifier (one `git verify-commit` per commit). */
export function createSignatures(run: Runner, fs: Fs): Signatures {
  /** The allowed_signers file to give git: the configured one (must exist) or an empty one. */
  async function signersFile(allowedSigners: string | undefined, workDir: string) {
    if (allowedSigners !== undefined) {
      const path = resolve(allowedSigners);
      if (!(await fs.exists(path))) {
        throw new HoistError(
          "config-invalid",
          `[trust] allowed_signers: ${allowedSigners} does not exist`,
          'Create it in git\'s format, one line per key: alice@example.com namespaces="git" ssh-ed25519 AAAA…',
        );
      }
      return path;
    }
    const none = noSignersFile(workDir);
    if ((await fs.readText(none)) !== "") await fs.writeAtomic(none, "", 0o600);
    return none;
  }

  /** Writes {@link SSH_KEYGEN_NOW} (0700) unless it is there as it should be; returns its path. */
  async function sshProgram(workDir: string): Promise<string> {
    const path = sshKeygenWrapper(workDir);
    if ((await fs.readText(path)) !== SSH_KEYGEN_NOW) {
      await fs.writeAtomic(path, SSH_KEYGEN_NOW, 0o700);
    }
    return path;
  }

  return {
    async verify(cacheDir, commits, keys: TrustKeys, workDir) {
      if (commits.length === 0) return [];
      for (const c of commits) {
        if (!/^[0-9a-f]{4,64}$/i.test(c)) {
          throw new HoistError("source-failed", `not a commit id: ${JSON.stringify(c)}`);
        }
      }
      const work = resolve(workDir);
      await fs.mkdirp(work, 0o700);
      const home = await ensureKeyring(run, fs, keys.gpgKeys, work);
      const signers = await signersFile(keys.allowedSigners, work);
      const ssh = await sshProgram(work);
      const env = { ...GIT_ENV, GNUPGHOME: home };
      const results: SignatureResult[] = [];
      for (const commit of commits) {
        const spec = { cmd: "git", args: verifyArgs(resolve(cacheDir), commit, signers, ssh), env };
        let r = await run(spec);
        // A wrapper written a moment ago may still be open for writing in a process this one forked
        // meanwhile (until that process execs): exec'ing it then fails with ETXTBSY. Short-lived.
        for (let retry = 0; retry < 20 && /Text file busy/.test(r.stderr); retry++) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          r = await run(spec);
        }
        const verdict = withCommitTime(
          parseVerifyCommit(r.stderr, r.code),
          new TextDecoder().decode(r.stdout),
        );
        results.push({ commit, ...verdict });
      }
      return results;
    },
  };
}
