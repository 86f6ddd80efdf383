/**
 * Commit signatures checked with git's own `verify-commit`, against an isolated keyring that holds
 * only the configured gpg keys and the configured ssh allowed_signers file: a key in the user's
 * `~/.gnupg` is never trusted.
 *
 * Argv building and output parsing are pure and exported; they were written from what git 2.39,
 * gpg 2.2 and ssh-keygen (OpenSSH 9.2) really print (see tests/adapters/signatures_parse_test.ts).
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
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { HoistError } from "../errors.ts";
import type { SignatureResult, Signatures, TrustKeys } from "../types/signature.ts";
import type { Fs } from "./fs.ts";
import { GIT_ENV } from "./git.ts";
import type { Runner } from "./run_command.ts";

/** A verdict without the commit it is about (what {@link parseVerifyCommit} returns). */
export type Verdict = Omit<SignatureResult, "commit">;

/**
 * `gpg.conf` of the isolated keyring: never start gpg-agent or dirmngr (verifying with public keys
 * needs neither; without this gpg leaves an agent running per keyring), never fetch or import a key
 * named by a signature.
 */
export const GNUPG_CONF = "no-autostart\nno-auto-key-retrieve\nno-auto-key-import\n";

/** Folder of the isolated keyring under the work folder. */
export function gnupgHome(workDir: string): string {
  return `${workDir}/gnupg`;
}

/** File holding the {@link keyringStamp} the keyring was built from. */
export function stampFile(workDir: string): string {
  return `${workDir}/gnupg.stamp`;
}

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

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * sha256 over the armored key contents (in order, each framed by its length) and
 * {@link GNUPG_CONF}: the keyring is rebuilt exactly when this changes.
 *
 * @example
 * ```ts
 * keyringStamp(["-----BEGIN PGP PUBLIC KEY BLOCK-----\n…"]); // "3f2a…" (64 hex digits)
 * ```
 */
export function keyringStamp(contents: readonly string[]): string {
  return sha256Hex(
    `hoist-keyring-v1\n${GNUPG_CONF}` + contents.map((c) => `${c.length}:${c}`).join("\n"),
  );
}

/** Argv of `gpg` importing one armored key read from stdin, with machine-readable status on stdout. */
export function importArgs(): string[] {
  return ["--batch", "--no-autostart", "--status-fd", "1", "--import"];
}

/** What one `gpg --import` did: the fingerprints it imported (or found unchanged). */
export interface ImportResult {
  readonly ok: boolean;
  readonly fingerprints: string[];
  /** Why it failed, for the error message ("" when ok). */
  readonly reason: string;
}

/**
 * Reads `gpg --status-fd 1 --import` output: `[GNUPG:] IMPORT_OK <flags> <fpr>` per key; a file
 * with no key gives `[GNUPG:] NODATA 1` and exit 2.
 */
export function parseImport(stdout: string, code: number): ImportResult {
  const fingerprints: string[] = [];
  let nodata = false;
  for (const line of stdout.split("\n")) {
    const m = /^\[GNUPG:\] IMPORT_OK \d+ ([0-9A-F]+)/.exec(line);
    if (m) fingerprints.push(m[1]!);
    if (line.startsWith("[GNUPG:] NODATA")) nodata = true;
  }
  if (code === 0 && fingerprints.length > 0) return { ok: true, fingerprints, reason: "" };
  return {
    ok: false,
    fingerprints,
    reason: nodata || fingerprints.length === 0
      ? "gpg found no OpenPGP key in it"
      : `gpg --import failed (exit ${code})`,
  };
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

/** Creates the signature verifier (one `git verify-commit` per commit). */
export function createSignatures(run: Runner, fs: Fs): Signatures {
  /** Reads and checks the key files; rebuilds the keyring when they changed. Returns GNUPGHOME. */
  async function ensureKeyring(keyFiles: readonly string[], workDir: string): Promise<string> {
    const keys: { path: string; text: string }[] = [];
    for (const path of keyFiles) {
      const text = await fs.readText(path);
      if (text === undefined) {
        throw new HoistError(
          "config-invalid",
          `[trust] gpg_keys: ${path} does not exist`,
          `Export the signer's public key there (gpg --armor --export <fingerprint> > ${path}) or remove it from gpg_keys`,
        );
      }
      if (text.includes("-----BEGIN PGP PRIVATE KEY BLOCK-----")) {
        throw new HoistError(
          "config-invalid",
          `[trust] gpg_keys: ${path} holds a private key; hoist needs only the public key`,
          "Replace it with gpg --armor --export <fingerprint>, and keep the private key off this host",
        );
      }
      keys.push({ path, text });
    }
    const home = gnupgHome(workDir);
    const stamp = keyringStamp(keys.map((k) => k.text));
    const current = (await fs.readText(stampFile(workDir)))?.trim();
    if (current === stamp && (await fs.exists(`${home}/gpg.conf`))) return home;

    // invalidate first: a rebuild that fails half-way is redone on the next run
    await fs.remove(stampFile(workDir), workDir);
    await fs.removeTree(home);
    // gpg warns about, and hoist wants, nothing looser than 0700
    await fs.mkdirp(home, 0o700);
    await fs.writeAtomic(`${home}/gpg.conf`, GNUPG_CONF, 0o600);
    for (const { path, text } of keys) {
      // the bytes hashed into the stamp are the bytes imported (stdin, not the path)
      const r = await run({
        cmd: "gpg",
        args: importArgs(),
        stdin: text,
        env: { GNUPGHOME: home, LC_ALL: "C" },
      });
      const result = parseImport(new TextDecoder().decode(r.stdout), r.code);
      if (!result.ok) {
        throw new HoistError(
          "config-invalid",
          `[trust] gpg_keys: ${path} is not a valid public gpg key: ${result.reason}`,
          `Export it as an armored public key: gpg --armor --export <fingerprint> > ${path}`,
        );
      }
    }
    await fs.writeAtomic(stampFile(workDir), `${stamp}\n`, 0o600);
    return home;
  }

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
      const home = await ensureKeyring(keys.gpgKeys, work);
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
