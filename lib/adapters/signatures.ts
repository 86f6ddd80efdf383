/**
 * Commit signatures checked with git's own `verify-commit`, against an isolated keyring that holds
 * only the configured gpg keys and the configured ssh allowed_signers file: a key in the user's
 * `~/.gnupg` is never trusted.
 *
 * Argv building and output parsing are pure and exported; they were written from what git 2.39,
 * gpg 2.2 and ssh-keygen (OpenSSH 9.2) really print (see tests/adapters/signatures_parse_test.ts).
 *
 * @module
 */
import { resolve } from "node:path";
import { sha256Hex } from "../desired/digest.ts";
import { HoistError } from "../errors.ts";
import type { SignatureResult, Signatures, TrustKeys } from "../trust/types.ts";
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
 * Argv of `git verify-commit --raw` for one commit. The programs are pinned with `-c` (which
 * overrides the cache's own config), so an edited `cacheDir/config` cannot swap gpg or ssh-keygen
 * for something that always says "good".
 */
export function verifyArgs(cacheDir: string, commit: string, allowedSigners: string): string[] {
  return [
    "-C",
    cacheDir,
    "-c",
    "gpg.program=gpg",
    "-c",
    "gpg.openpgp.program=gpg",
    "-c",
    "gpg.ssh.program=ssh-keygen",
    "-c",
    "gpg.x509.program=gpgsm",
    "-c",
    `gpg.ssh.allowedSignersFile=${allowedSigners}`,
    "verify-commit",
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
 *   matched.` (a key not in allowed_signers) → `untrusted`; anything else (`Could not verify
 *   signature.`) → `bad`.
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

/** Creates a directory only its owner can enter (gpg warns about, and hoist wants, nothing looser). */
async function makePrivateDir(path: string): Promise<void> {
  // Fs.mkdirp takes no mode; the keyring folder must be 0700
  await Deno.mkdir(path, { recursive: true, mode: 0o700 });
  await Deno.chmod(path, 0o700);
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
    await makePrivateDir(home);
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

  /** The allowed_signers file to use: the configured one (must exist) or an empty one. */
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

  return {
    async verify(cacheDir, commits, keys: TrustKeys, workDir) {
      if (commits.length === 0) return [];
      for (const c of commits) {
        if (!/^[0-9a-f]{4,64}$/i.test(c)) {
          throw new HoistError("source-failed", `not a commit id: ${JSON.stringify(c)}`);
        }
      }
      const work = resolve(workDir);
      await fs.mkdirp(work);
      const home = await ensureKeyring(keys.gpgKeys, work);
      const signers = await signersFile(keys.allowedSigners, work);
      const env = { ...GIT_ENV, GNUPGHOME: home };
      const results: SignatureResult[] = [];
      for (const commit of commits) {
        const r = await run({
          cmd: "git",
          args: verifyArgs(resolve(cacheDir), commit, signers),
          env,
        });
        results.push({ commit, ...parseVerifyCommit(r.stderr, r.code) });
      }
      return results;
    },
  };
}
