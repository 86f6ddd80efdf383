/**
 * What `git verify-commit --verbose --raw` printed, turned into a verdict: gpg's `[GNUPG:]` status
 * lines or ssh-keygen's messages on stderr, and the committer date of the signed commit on stdout.
 * Pure; written from what git 2.39, gpg 2.2 and ssh-keygen (OpenSSH 9.2) really print (see
 * tests/adapters/signatures_parse_test.ts). `signatures.ts` runs git and calls these.
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import type { SignatureResult } from "../types/signature.ts";

/** A verdict without the commit it is about (what {@link parseVerifyCommit} returns). */
export type Verdict = Omit<SignatureResult, "commit">;

const MAX_MESSAGE = 300;
const oneLine = (parts: readonly string[]) => {
  const text = parts.join("; ");
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
};

/**
 * Turns what `git verify-commit --raw` printed on stderr, and its exit code, into a verdict.
 *
 * - nothing printed, exit 1: the commit has no signature → `unsigned`.
 * - gpg (`[GNUPG:]` status lines): exactly one `GOODSIG` + `VALIDSIG` with exit 0 → `good`, signer
 *   `gpg <primary key fingerprint> <uid>`; `ERRSIG` + `NO_PUBKEY` (a key not in the keyring),
 *   `EXPKEYSIG`, `REVKEYSIG`, `EXPSIG` → `untrusted`; `BADSIG`, `NODATA`, `ERROR`, several
 *   signatures, or anything else → `bad`.
 * - ssh: `Good "git" signature for <principal> with <type> key <SHA256:…>` with exit 0 → `good`,
 *   signer `ssh <SHA256:…> <principal>`; `Good "git" signature with … key …` + `No principal
 *   matched.` (a key not in allowed_signers, or not valid now: ssh-keygen's `…:1: key has
 *   expired: …`, `key is not yet valid: …` or `no valid principals found` line in between) →
 *   `untrusted`, every line kept in the message; anything else (`Could not verify signature.`) →
 *   `bad`.
 *
 * Only an exit code of 0 can give `good`. Git's own failures (`error: commit '…' not found.`,
 * `fatal: cannot run gpg: …`) are thrown as {@link HoistError}s: they say nothing about the
 * signature.
 */
export function parseVerifyCommit(stderr: string, code: number): Verdict {
  const lines = stderr.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim() !== "");
  const first = lines[0];
  if (first === undefined) {
    return code === 0
      ? {
        status: "bad",
        format: "none",
        signer: "",
        message: "git verify-commit succeeded but printed no verdict",
      }
      : { status: "unsigned", format: "none", signer: "", message: "no signature" };
  }
  const cannotRun = /^fatal: cannot run (\S+?):/.exec(first);
  if (cannotRun) {
    throw new HoistError(
      "tool-missing",
      `git verify-commit: ${first.slice("fatal: ".length)}`,
      `Install ${cannotRun[1]} (gnupg for gpg, openssh-client for ssh-keygen)`,
    );
  }
  if (/^(error|fatal): /.test(first)) {
    throw new HoistError(
      "command-failed",
      `git verify-commit: ${first.replace(/^(error|fatal): /, "")}`,
      "Check that the commit was fetched into the source's cache",
    );
  }
  if (lines.some((l) => l.startsWith("[GNUPG:] "))) return parseGpgStatus(lines, code);
  return parseSshOutput(lines, code);
}

/** Status lines that each describe one signature (git refuses more than one as well). */
const SIGNATURE_STATUS = new Set([
  "GOODSIG",
  "BADSIG",
  "ERRSIG",
  "EXPSIG",
  "EXPKEYSIG",
  "REVKEYSIG",
]);

function parseGpgStatus(lines: readonly string[], code: number): Verdict {
  const status = lines.filter((l) => l.startsWith("[GNUPG:] ")).map((l) =>
    l.slice("[GNUPG:] ".length).split(" ")
  );
  const sigs = status.filter((s) => SIGNATURE_STATUS.has(s[0]!));
  const has = (kw: string) => status.some((s) => s[0] === kw);
  const bad = (message: string): Verdict => ({ status: "bad", format: "gpg", signer: "", message });
  if (sigs.length === 0) {
    const what = status.find((s) => s[0] === "NODATA" || s[0] === "ERROR") ?? status[0] ?? [];
    return bad(`gpg could not read the signature (${what.join(" ")})`);
  }
  if (sigs.length > 1) {
    return bad(`the commit carries ${sigs.length} signatures; hoist expects one`);
  }
  const sig = sigs[0]!;
  const [kind, keyId = ""] = sig;
  const uid = sig.slice(2).join(" ");
  // VALIDSIG <sig key fpr> <date> <ts> <expire> <version> <reserved> <pk algo> <hash algo> <class> <primary fpr>
  const valid = status.find((s) => s[0] === "VALIDSIG");
  const primary = valid?.[10] ?? valid?.[1];
  const signer = `gpg ${primary ?? keyId} ${uid}`.trimEnd();
  const untrusted = (message: string, who = signer): Verdict => ({
    status: "untrusted",
    format: "gpg",
    signer: who,
    message,
  });
  switch (kind) {
    case "GOODSIG":
      if (primary === undefined) return bad(`gpg reported a good signature without VALIDSIG`);
      if (code !== 0) {
        return untrusted(`good gpg signature by ${uid} (${primary}), but git rejected it`);
      }
      return {
        status: "good",
        format: "gpg",
        signer,
        message: `good gpg signature by ${uid} (${primary})`,
      };
    case "EXPKEYSIG":
      return untrusted(`gpg signature by ${uid} (${primary ?? keyId}), whose key has expired`);
    case "REVKEYSIG":
      return untrusted(`gpg signature by ${uid} (${primary ?? keyId}), whose key is revoked`);
    case "EXPSIG":
      return untrusted(`gpg signature by ${uid} (${primary ?? keyId}) that has expired`);
    case "ERRSIG": {
      // ERRSIG <keyid> <pk algo> <hash algo> <class> <time> <rc> <fpr>; rc 9 = no public key
      const fpr = sig[7] !== undefined && sig[7] !== "-" ? sig[7] : keyId;
      if (has("NO_PUBKEY") || sig[6] === "9") {
        return untrusted(
          `signed by gpg key ${fpr}, which is not one of the configured keys`,
          `gpg ${fpr}`,
        );
      }
      return bad(`gpg cannot check the signature by key ${fpr} (ERRSIG rc ${sig[6] ?? "?"})`);
    }
    default: // BADSIG
      return bad(`BAD gpg signature claiming key ${keyId} (${uid})`);
  }
}

function parseSshOutput(lines: readonly string[], code: number): Verdict {
  const first = lines[0]!;
  // the principal may contain " with ": like git, split at the last one (greedy match)
  const known = /^Good "git" signature for (.+) with (\S+) key (\S+)$/.exec(first);
  if (known) {
    const signer = `ssh ${known[3]} ${known[1]}`;
    return code === 0
      ? { status: "good", format: "ssh", signer, message: first }
      : { status: "untrusted", format: "ssh", signer, message: oneLine(lines) };
  }
  const unknown = /^Good "git" signature with (\S+) key (\S+)$/.exec(first);
  if (unknown) {
    return {
      status: "untrusted",
      format: "ssh",
      signer: `ssh ${unknown[2]}`,
      message: oneLine(lines),
    };
  }
  return { status: "bad", format: "ssh", signer: "", message: oneLine(lines) };
}

/**
 * The committer time (unix seconds) of a commit object's header, as git reads it: the first
 * `committer` line, the number after its last `>`. Undefined when there is none or it is garbled.
 *
 * @example
 * ```ts
 * parseCommittedAt("tree 4b82…\nauthor A <a@x> 1559347200 +0000\ncommitter A <a@x> 1559347300 +0000\n\nmsg\n");
 * // 1559347300
 * ```
 */
export function parseCommittedAt(commitObject: string): number | undefined {
  const end = commitObject.indexOf("\n\n");
  const header = end < 0 ? commitObject : commitObject.slice(0, end);
  const line = header.split("\n").find((l) => l.startsWith("committer "));
  if (line === undefined) return undefined;
  const m = /^[ \t]*(\d+)(?:[ \t]+[+-]\d{4})?[ \t]*$/.exec(line.slice(line.lastIndexOf(">") + 1));
  const at = m ? Number(m[1]) : NaN;
  return line.includes(">") && Number.isSafeInteger(at) ? at : undefined;
}

/**
 * Adds the committer time from what `verify-commit --verbose` printed on stdout (the signed part
 * of the commit; "" for an unsigned commit). A good signature over a commit without a readable
 * committer date becomes `bad`: every good verdict carries `committedAt`.
 */
export function withCommitTime(verdict: Verdict, payload: string): Verdict {
  const committedAt = parseCommittedAt(payload);
  if (committedAt !== undefined) return { ...verdict, committedAt };
  if (verdict.status !== "good") return verdict;
  return {
    status: "bad",
    format: verdict.format,
    signer: "",
    message: `${verdict.message}, but the signed commit has no committer date hoist can read`,
  };
}
