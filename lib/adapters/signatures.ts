/**
 * Commit signatures checked with git's own `verify-commit`, against an isolated keyring that holds
 * only the configured gpg keys and the configured ssh allowed_signers file: a key in the user's
 * `~/.gnupg` is never trusted.
 *
 * Argv building and output parsing are pure and exported; they were written from what git 2.39,
 * gpg 2.2 and ssh-keygen (OpenSSH 9.2) really print (see tests/adapters/signatures_parse_test.ts).
 *
 * Key validity is judged when hoist verifies, never at the commit's date (which the signer picks):
 * - ssh: git runs `ssh-keygen -Y verify -Overify-time=<committer date>`, so the `valid-after` /
 *   `valid-before` options of allowed_signers would be checked against a date the signer chose.
 *   hoist therefore points git at a copy ({@link derivedSignersFile}) in which those options were
 *   evaluated against hoist's clock: lines not valid now are commented out, the options are removed
 *   from the rest. Line numbers are kept, so ssh-keygen's `file:line` messages still fit.
 * - ssh certificates (cert-authority lines): ssh-keygen checks the certificate's own validity
 *   window at that same committer date, so for a good signature by a certificate hoist reads the
 *   commit object (`git cat-file commit`, the one extra process, for certificates only) and checks
 *   the window against its clock ({@link judgeCertificateNow}).
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
 * ssh-keygen for something that always says "good". `--verbose` prints the signed part of the
 * commit object on stdout (nothing for an unsigned commit), which gives {@link parseCommittedAt}
 * its committer date without another process.
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

// ---------------------------------------------------------------------------------------------
// allowed_signers, judged at hoist's time

/** Seconds east of UTC of the local zone's standard (not summer) time in `year`. */
export type StandardOffset = (year: number) => number;

/**
 * The process's local zone. ssh-keygen reads a time without `Z` with `mktime()` and `tm_isdst = 0`,
 * i.e. as standard time all year round (in Berlin, `202007011200` is 11:00 UTC, not 10:00).
 */
export const localStandardOffset: StandardOffset = (year) =>
  -60 *
  Math.max(new Date(year, 0, 1).getTimezoneOffset(), new Date(year, 6, 1).getTimezoneOffset());

/**
 * A `valid-after`/`valid-before` value as ssh-keygen reads it (`parse_absolute_time`):
 * `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, UTC when suffixed `Z` or `UTC` (any case), else
 * local standard time. Unix seconds, or undefined when ssh-keygen would refuse it (also before 1970).
 *
 * @example
 * ```ts
 * parseSshTime("20270101Z"); // 1798761600
 * parseSshTime("2027-01-01"); // undefined
 * ```
 */
export function parseSshTime(
  text: string,
  offset: StandardOffset = localStandardOffset,
): number | undefined {
  const m = /^(\d+)(z|utc)?$/i.exec(text);
  const digits = m?.[1] ?? "";
  const utc = m?.[2] !== undefined;
  if (![8, 12, 14].includes(digits.length)) return undefined;
  const field = (at: number, width = 2) =>
    at < digits.length ? Number(digits.slice(at, at + width)) : 0;
  const [y, mo, d, h, mi, sec] = [field(0, 4), field(4), field(6), field(8), field(10), field(12)];
  // strptime's ranges; mktime/timegm then carry an overflowing day, like Date does
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 61) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, sec, 0);
  const at = date.getTime() / 1000 - (utc ? 0 : offset(y));
  return at >= 0 ? at : undefined;
}

/** A `valid-after` or `valid-before` option: its text and the unix seconds it means. */
export interface SignerTime {
  readonly text: string;
  readonly at: number;
}

/** One key line of an allowed_signers file, as ssh-keygen reads it. */
export interface AllowedSigner {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The principals (comma-separated patterns), quotes removed. */
  readonly principals: string;
  /** `cert-authority` and `namespaces="…"` exactly as written, in order (the time options left out). */
  readonly options: readonly string[];
  readonly certAuthority: boolean;
  /** The `namespaces` value, quotes removed; undefined when the line has none (any namespace). */
  readonly namespaces: string | undefined;
  /** `<type> <base64>` and any comment, as written. */
  readonly key: string;
  /** `SHA256:…` of the key, as ssh-keygen and git print it. */
  readonly fingerprint: string;
  readonly validAfter: SignerTime | undefined;
  readonly validBefore: SignerTime | undefined;
}

/** A line of the file: a key, or a comment/blank line (kept as written). */
export type AllowedSignersLine =
  | { readonly kind: "signer"; readonly signer: AllowedSigner }
  | { readonly kind: "other"; readonly text: string };

/** A line ssh-keygen would not accept, in its words. */
export interface AllowedSignersProblem {
  readonly line: number;
  readonly message: string;
}

/** What {@link parseAllowedSigners} returns. */
export interface AllowedSigners {
  readonly lines: readonly AllowedSignersLine[];
  readonly problems: readonly AllowedSignersProblem[];
}

/** Key types ssh-keygen 9.2 knows → the type named inside the key blob. */
const KEY_TYPES: ReadonlyMap<string, string> = new Map([
  ...[
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
    "ssh-xmss@openssh.com",
  ].flatMap((t) => {
    const cert = t.replace(/(@openssh\.com)?$/, "-cert-v01@openssh.com");
    return [[t, t], [cert, cert]] as [string, string][];
  }),
  ["rsa-sha2-256", "ssh-rsa"],
  ["rsa-sha2-512", "ssh-rsa"],
  ["rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com"],
  ["rsa-sha2-512-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com"],
  ["webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"],
]);

type Result<T> = { ok: true; value: T; end: number } | { ok: false; error: string };

const skip = (s: string, at: number, chars: string) => {
  while (at < s.length && chars.includes(s.charAt(at))) at++;
  return at;
};

/** `sshkey_read`: `<type> <base64>[ comment]` at `at`; the blob must name the same type. */
function readKey(s: string, at: number): Result<{ key: string; fingerprint: string }> {
  const typeEnd = s.slice(at).search(/[ \t]/);
  const type = s.slice(at, typeEnd < 0 ? s.length : at + typeEnd);
  const blobType = KEY_TYPES.get(type);
  if (blobType === undefined) {
    return { ok: false, error: `unknown key type ${JSON.stringify(type)}` };
  }
  if (typeEnd < 0) return { ok: false, error: `no key after ${type}` };
  const b64At = skip(s, at + typeEnd, " \t");
  const b64 = /^[^ \t]*/.exec(s.slice(b64At))?.[0] ?? "";
  let blob: Uint8Array;
  try {
    blob = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return { ok: false, error: `the ${type} key is not base64` };
  }
  const len = blob.length >= 4 ? new DataView(blob.buffer).getUint32(0) : -1;
  const named = len >= 0 && 4 + len <= blob.length
    ? new TextDecoder().decode(blob.subarray(4, 4 + len))
    : undefined;
  if (named !== blobType) {
    return { ok: false, error: `the key data is not a ${type} key` };
  }
  const fingerprint = `SHA256:${
    createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")
  }`;
  return { ok: true, value: { key: s.slice(at).trimEnd(), fingerprint }, end: s.length };
}

/** `opt_dequote`: a `"…"` value (`\"` inside stands for `"`) at `at`. */
function dequote(s: string, at: number): Result<string> {
  if (s[at] !== '"') return { ok: false, error: "missing start quote" };
  let value = "";
  let i = at + 1;
  for (; i < s.length && s[i] !== '"'; i++) {
    if (s[i] === "\\" && s[i + 1] === '"') i++;
    value += s[i];
  }
  if (i >= s.length) return { ok: false, error: "missing end quote" };
  return { ok: true, value, end: i + 1 };
}

interface SignerOptions {
  readonly kept: string[];
  readonly certAuthority: boolean;
  readonly namespaces: string | undefined;
  readonly validAfter: SignerTime | undefined;
  readonly validBefore: SignerTime | undefined;
}

/** `sshsigopt_parse`: the comma-separated options field (already cut at its end). */
function parseOptions(opts: string, offset: StandardOffset): Result<SignerOptions> {
  const kept: string[] = [];
  let certAuthority = false;
  let namespaces: string | undefined;
  const times: Record<"valid-after" | "valid-before", SignerTime | undefined> = {
    "valid-after": undefined,
    "valid-before": undefined,
  };
  const fail = (error: string) => ({ ok: false, error }) as const;
  let i = 0;
  while (i < opts.length) {
    const start = i;
    const lower = opts.slice(i).toLowerCase();
    const time = (["valid-after", "valid-before"] as const).find((n) => lower.startsWith(`${n}=`));
    if (lower.startsWith("cert-authority")) {
      certAuthority = true;
      i += "cert-authority".length;
      kept.push(opts.slice(start, i));
    } else if (lower.startsWith("namespaces=")) {
      if (namespaces !== undefined) return fail('multiple "namespaces" clauses');
      const v = dequote(opts, i + "namespaces=".length);
      if (!v.ok) return v;
      namespaces = v.value;
      i = v.end;
      kept.push(opts.slice(start, i));
    } else if (time !== undefined) {
      if (times[time] !== undefined) return fail(`multiple "${time}" clauses`);
      const v = dequote(opts, i + time.length + 1);
      if (!v.ok) return v;
      const at = parseSshTime(v.value, offset);
      // 0 means "unset" to ssh-keygen, so it refuses 19700101Z too
      if (at === undefined || at === 0) {
        return fail(`invalid "${time}" time ${JSON.stringify(v.value)}`);
      }
      times[time] = { text: v.value, at };
      i = v.end;
    }
    if (i >= opts.length) break;
    if (opts[i] !== ",") {
      return fail(`unknown key option ${JSON.stringify(opts.slice(start).split(",", 1)[0])}`);
    }
    if (++i >= opts.length) return fail("unexpected end-of-options");
  }
  const validAfter = times["valid-after"];
  const validBefore = times["valid-before"];
  if (validAfter && validBefore && validBefore.at <= validAfter.at) {
    return fail('"valid-before" time is before "valid-after"');
  }
  return {
    ok: true,
    value: { kept, certAuthority, namespaces, validAfter, validBefore },
    end: opts.length,
  };
}

/** `strdelimw`: the principals field; a `"` anywhere in it quotes up to the next `"`. */
function readPrincipals(s: string, at: number): Result<string> {
  const WS = " \t\r\n";
  let i = at;
  while (i < s.length && !WS.includes(s.charAt(i)) && s[i] !== '"') i++;
  if (s[i] !== '"') return { ok: true, value: s.slice(at, i), end: skip(s, i + 1, WS) };
  const close = s.indexOf('"', i + 1);
  if (close < 0) {
    return { ok: false, error: "invalid line: a quote in the principals is not closed" };
  }
  return {
    ok: true,
    value: s.slice(at, i) + s.slice(i + 1, close),
    end: skip(s, close + 1, WS),
  };
}

/** `sshkey_advance_past_options`: the end of the options field (-1: a quote is not closed). */
function optionsEnd(s: string, at: number): number {
  let quoted = false;
  let i = at;
  for (; i < s.length && (quoted || (s[i] !== " " && s[i] !== "\t")); i++) {
    if (s[i] === "\\" && s[i + 1] === '"') i++;
    else if (s[i] === '"') quoted = !quoted;
  }
  return quoted ? -1 : i;
}

/** One line; undefined for a blank or comment line. */
function parseSignerLine(
  s: string,
  line: number,
  offset: StandardOffset,
): AllowedSigner | AllowedSignersProblem | undefined {
  const start = skip(s, 0, " \t\r");
  if (start === s.length || s[start] === "#") return undefined;
  const problem = (message: string) => ({ line, message });
  const principals = readPrincipals(s, start);
  if (!principals.ok) return problem(principals.error);
  if (principals.end >= s.length) return problem("missing key");
  let key = readKey(s, principals.end);
  let opts = "";
  // a known key type whose key does not read: ssh-keygen would go on to read the type as an
  // option and fail there; the key's own error says more
  const word = /^[^ \t]*/.exec(s.slice(principals.end))?.[0] ?? "";
  if (!key.ok && KEY_TYPES.has(word)) return problem(`invalid key: ${key.error}`);
  if (!key.ok) {
    // not a key: options come first (that is how ssh-keygen tells them apart)
    const end = optionsEnd(s, principals.end);
    if (end < 0) return problem("invalid options: a quote is not closed");
    if (end >= s.length) return problem("missing key");
    opts = s.slice(principals.end, end);
    key = readKey(s, skip(s, end + 1, " \t"));
    if (!key.ok) return problem(`invalid key: ${key.error}`);
  }
  const o = parseOptions(opts, offset);
  if (!o.ok) return problem(`bad options: ${o.error}`);
  return {
    line,
    principals: principals.value,
    options: o.value.kept,
    certAuthority: o.value.certAuthority,
    namespaces: o.value.namespaces,
    key: key.value.key,
    fingerprint: key.value.fingerprint,
    validAfter: o.value.validAfter,
    validBefore: o.value.validBefore,
  };
}

/**
 * Parses an allowed_signers file (ssh-keygen(1) "ALLOWED SIGNERS"): per line
 * `principals [options] key`, where principals is a comma-separated list of patterns (quoted when
 * it holds spaces), options are `cert-authority`, `namespaces="…"`, `valid-after="…"` and
 * `valid-before="…"` (comma-separated, values in double quotes, `\"` for a quote), and blank lines
 * and lines starting with `#` are ignored. Follows OpenSSH 9.2's `sshsig.c` step by step; a line it
 * would not accept becomes a problem with its line number (ssh-keygen would skip such a line).
 *
 * @example
 * ```ts
 * const { lines, problems } = parseAllowedSigners(
 *   'alice@example.com namespaces="git",valid-before="20270101Z" ssh-ed25519 AAAAC3Nz…\n',
 * );
 * // lines[0].signer.validBefore → { text: "20270101Z", at: 1798761600 }
 * ```
 */
export function parseAllowedSigners(
  text: string,
  offset: StandardOffset = localStandardOffset,
): AllowedSigners {
  const lines: AllowedSignersLine[] = [];
  const problems: AllowedSignersProblem[] = [];
  const raw = text.split("\n");
  if (raw[raw.length - 1] === "") raw.pop();
  raw.forEach((l, i) => {
    const s = l.endsWith("\r") ? l.slice(0, -1) : l;
    const r = parseSignerLine(s, i + 1, offset);
    if (r === undefined) lines.push({ kind: "other", text: s.trim() === "" ? "" : s });
    else if ("message" in r) problems.push(r);
    else lines.push({ kind: "signer", signer: r });
  });
  return { lines, problems };
}

/** `2027-01-01T00:00:00Z` for unix seconds. */
const isoSeconds = (at: number) => new Date(Math.floor(at) * 1000).toISOString().slice(0, 19) + "Z";

/** Why a signer is not valid at `now` ("" when it is). */
export function notValidReason(s: AllowedSigner, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  const iso = isoSeconds;
  if (s.validAfter && t < s.validAfter.at) {
    return `valid-after="${s.validAfter.text}" (${iso(s.validAfter.at)}) is still to come`;
  }
  if (s.validBefore && t > s.validBefore.at) {
    return `valid-before="${s.validBefore.text}" (${iso(s.validBefore.at)}) has passed`;
  }
  return "";
}

/** A signer line as ssh-keygen reads it back, without the time options. */
function signerText(s: AllowedSigner): string {
  const p = /[ \t\r\n]/.test(s.principals) || s.principals === "" || s.principals.startsWith("#")
    ? `"${s.principals}"`
    : s.principals;
  return [p, ...(s.options.length > 0 ? [s.options.join(",")] : []), s.key].join(" ");
}

/** The allowed_signers copy for one moment, and the signers it left out. */
export interface SignersAt {
  /** The file's text: same line numbers, signers not valid then commented out. */
  readonly text: string;
  readonly valid: readonly AllowedSigner[];
  readonly dropped: readonly { readonly signer: AllowedSigner; readonly reason: string }[];
}

/**
 * The allowed_signers file as it stands at `now` (ssh-keygen's rule: valid from `valid-after`
 * through `valid-before`, to the second): each signer valid then is written without its
 * `valid-after`/`valid-before` options, every other line becomes a comment, so ssh-keygen, which
 * git hands the commit's own date, can no longer be told an earlier time.
 *
 * @example
 * ```ts
 * allowedSignersAt(parseAllowedSigners(text), new Date("2030-01-01T00:00:00Z")).text;
 * // '# hoist: left out, valid-before="20270101Z" (2027-01-01T00:00:00Z) has passed\n'
 * ```
 */
export function allowedSignersAt(parsed: AllowedSigners, now: Date): SignersAt {
  const valid: AllowedSigner[] = [];
  const dropped: { signer: AllowedSigner; reason: string }[] = [];
  const out = parsed.lines.map((l) => {
    if (l.kind === "other") return l.text;
    const reason = notValidReason(l.signer, now);
    if (reason === "") {
      valid.push(l.signer);
      return signerText(l.signer);
    }
    dropped.push({ signer: l.signer, reason });
    return `# hoist: left out, ${reason}`;
  });
  return { text: out.map((l) => `${l}\n`).join(""), valid, dropped };
}

/**
 * Says why an ssh signature is untrusted when its key is in allowed_signers but not valid now
 * (ssh-keygen only says "No principal matched." about the copy without that line). For a
 * certificate, whose CA the verdict does not name, only when no cert-authority line is valid now.
 */
export function explainNotValidNow(
  verdict: Verdict,
  signers: SignersAt,
  file: string,
  now: Date,
): Verdict {
  if (verdict.format !== "ssh" || verdict.status !== "untrusted") return verdict;
  const fingerprint = verdict.signer.split(" ")[1];
  // a certificate's CA key is not named in the verdict: any cert-authority line may be the one
  const byCert = / with \S+-CERT key /.test(verdict.message);
  const sameKey = (s: AllowedSigner) =>
    s.certAuthority ? byCert : !byCert && s.fingerprint === fingerprint;
  if (signers.valid.some(sameKey)) return verdict;
  const why = signers.dropped.filter((d) => sameKey(d.signer));
  if (why.length === 0) return verdict;
  const when = isoSeconds(now.getTime() / 1000);
  return {
    ...verdict,
    message: oneLine([
      `ssh ${byCert ? "certificate" : "key"} ${fingerprint} is not valid now (${when})`,
      ...why.map((d) => `${file}:${d.signer.line} (${d.signer.principals}): ${d.reason}`),
    ]),
  };
}

/** The allowed_signers copy git is pointed at (see {@link allowedSignersAt}). */
export function derivedSignersFile(workDir: string): string {
  return `${workDir}/allowed_signers.now`;
}

// ---------------------------------------------------------------------------------------------
// ssh certificates, judged at hoist's time

/** Reads RFC 4251 fields (uint32, uint64, length-prefixed string) off a byte string, in order. */
function wireReader(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  /** Start of the next `n` bytes, consumed; undefined when fewer are left. */
  const take = (n: number) => {
    if (at + n > bytes.length) return undefined;
    at += n;
    return at - n;
  };
  const u32 = () => {
    const p = take(4);
    return p === undefined ? undefined : view.getUint32(p);
  };
  const bytesOf = (n: number) => {
    const p = take(n);
    return p === undefined ? undefined : bytes.subarray(p, p + n);
  };
  return {
    u32,
    bytes: bytesOf,
    u64: () => {
      const p = take(8);
      return p === undefined ? undefined : view.getBigUint64(p);
    },
    string: () => {
      const n = u32();
      return n === undefined ? undefined : bytesOf(n);
    },
  };
}

/** Certificate types → how many key fields sit between the nonce and the serial (PROTOCOL.certkeys). */
const CERT_KEY_FIELDS: ReadonlyMap<string, number> = new Map([
  ["ssh-ed25519-cert-v01@openssh.com", 1],
  ["sk-ssh-ed25519-cert-v01@openssh.com", 2],
  ["ssh-rsa-cert-v01@openssh.com", 2],
  ["ecdsa-sha2-nistp256-cert-v01@openssh.com", 2],
  ["ecdsa-sha2-nistp384-cert-v01@openssh.com", 2],
  ["ecdsa-sha2-nistp521-cert-v01@openssh.com", 2],
  ["sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", 3],
  ["ssh-dss-cert-v01@openssh.com", 4],
]);

/** An ssh certificate's validity: from `validAfter` to just before `validBefore` (unix seconds). */
export interface CertWindow {
  readonly keyId: string;
  readonly validAfter: bigint;
  readonly validBefore: bigint;
}

/** What one SSHSIG blob was signed with. */
type SignedWith =
  | { readonly kind: "key" }
  | { readonly kind: "cert"; readonly cert: CertWindow }
  | { readonly kind: "unreadable"; readonly error: string };

/** The public key inside an SSHSIG blob (PROTOCOL.sshsig), and a certificate's window. */
function sshsigSignedWith(b64: string): SignedWith {
  const unreadable = (error: string) => ({ kind: "unreadable", error }) as const;
  let blob: Uint8Array;
  try {
    blob = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return unreadable("the ssh signature is not base64");
  }
  const sig = wireReader(blob);
  const magic = sig.bytes(6);
  if (magic === undefined || new TextDecoder().decode(magic) !== "SSHSIG" || sig.u32() !== 1) {
    return unreadable("not an SSHSIG version 1 signature");
  }
  const key = sig.string();
  if (key === undefined) return unreadable("the ssh signature holds no public key");
  const k = wireReader(key);
  const type = new TextDecoder().decode(k.string() ?? new Uint8Array());
  if (!type.includes("-cert-v01@openssh.com")) return { kind: "key" };
  const fields = CERT_KEY_FIELDS.get(type);
  if (fields === undefined) return unreadable(`hoist cannot read ${type} certificates`);
  // nonce, the key fields, serial, type, key id, principals, valid after, valid before
  const skipped = [k.string(), ...Array.from({ length: fields }, () => k.string())];
  const serial = k.u64();
  const certType = k.u32();
  const keyId = k.string();
  const principals = k.string();
  const validAfter = k.u64();
  const validBefore = k.u64();
  if (
    skipped.includes(undefined) || serial === undefined || certType === undefined ||
    keyId === undefined || principals === undefined || validAfter === undefined ||
    validBefore === undefined
  ) {
    return unreadable(`the ${type} certificate is truncated`);
  }
  return {
    kind: "cert",
    cert: { keyId: new TextDecoder().decode(keyId), validAfter, validBefore },
  };
}

/**
 * The certificates that made a commit object's ssh signatures (its `gpgsig`/`gpgsig-sha256`
 * headers): key id and validity window each. A signature by a plain key adds nothing.
 *
 * @example
 * ```ts
 * sshSignatureCerts(await git("cat-file", "commit", sha));
 * // { certs: [{ keyId: "carol", validAfter: 1577836800n, validBefore: 1580515200n }] }
 * ```
 */
export function sshSignatureCerts(
  commitObject: string,
): { readonly certs: readonly CertWindow[] } | { readonly error: string } {
  const end = commitObject.indexOf("\n\n");
  const fields: { name: string; lines: string[] }[] = [];
  for (const line of (end < 0 ? commitObject : commitObject.slice(0, end)).split("\n")) {
    const last = fields.at(-1);
    if (line.startsWith(" ") && last) last.lines.push(line.slice(1));
    else {
      const space = line.indexOf(" ");
      fields.push({ name: line.slice(0, space), lines: [line.slice(space + 1)] });
    }
  }
  const certs: CertWindow[] = [];
  for (const { name, lines } of fields) {
    if (name !== "gpgsig" && name !== "gpgsig-sha256") continue;
    if (lines[0] !== "-----BEGIN SSH SIGNATURE-----") continue;
    const stop = lines.indexOf("-----END SSH SIGNATURE-----");
    if (stop < 0) return { error: "the ssh signature has no END line" };
    const signed = sshsigSignedWith(lines.slice(1, stop).join(""));
    if (signed.kind === "unreadable") return { error: signed.error };
    if (signed.kind === "cert") certs.push(signed.cert);
  }
  return { certs };
}

/**
 * Turns a good ssh verdict by a certificate (`… with ED25519-CERT key …`) into `untrusted` when
 * a certificate in the commit's signature is not valid at `now` (ssh-keygen checked it at the
 * committer date), or when the certificate cannot be read. `commitObject` is what
 * `git cat-file commit` printed (undefined when it failed).
 */
export function judgeCertificateNow(
  verdict: Verdict,
  commitObject: string | undefined,
  now: Date,
): Verdict {
  const found = commitObject === undefined
    ? { error: "git cat-file could not read the commit" }
    : sshSignatureCerts(commitObject);
  const t = BigInt(Math.floor(now.getTime() / 1000));
  const when = isoSeconds(now.getTime() / 1000);
  const untrusted = (why: string): Verdict => ({
    ...verdict,
    status: "untrusted",
    message: oneLine([`${verdict.message}, but ${why}`]),
  });
  if ("error" in found) return untrusted(`hoist cannot check its certificate now: ${found.error}`);
  if (found.certs.length === 0) return untrusted("the commit's signature carries no certificate");
  const iso = (at: bigint) => at > 253402300799n ? "forever" : isoSeconds(Number(at)); // past 9999-12-31: "forever"
  for (const c of found.certs) {
    if (t < c.validAfter) {
      return untrusted(
        `its certificate ${JSON.stringify(c.keyId)} is not valid now (${when}): valid after ${
          iso(c.validAfter)
        }`,
      );
    }
    if (t >= c.validBefore) {
      return untrusted(
        `its certificate ${JSON.stringify(c.keyId)} is not valid now (${when}): valid before ${
          iso(c.validBefore)
        }`,
      );
    }
  }
  return verdict;
}

/** Whether ssh-keygen's verdict names a certificate (`… with ED25519-CERT key SHA256:…`). */
export function signedByCertificate(verdict: Verdict): boolean {
  return verdict.format === "ssh" && / with \S+-CERT key \S+$/.test(verdict.message);
}

/** Argv of `git cat-file commit` (to read a certificate-signed commit's signature). */
export function catCommitArgs(cacheDir: string, commit: string): string[] {
  return ["-C", cacheDir, "cat-file", "commit", commit];
}

/** Creates a directory only its owner can enter (gpg warns about, and hoist wants, nothing looser). */
async function makePrivateDir(path: string): Promise<void> {
  // Fs.mkdirp takes no mode; the keyring folder must be 0700
  await Deno.mkdir(path, { recursive: true, mode: 0o700 });
  await Deno.chmod(path, 0o700);
}

/**
 * Creates the signature verifier (one `git verify-commit` per commit). `clock` is the time keys
 * are judged at (read once per {@link Signatures.verify} call).
 */
export function createSignatures(
  run: Runner,
  fs: Fs,
  clock: () => Date = () => new Date(),
): Signatures {
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

  /**
   * The allowed_signers file to give git: the configured one as it stands at `now` (see
   * {@link allowedSignersAt}), or an empty one when none is configured.
   */
  async function signersFile(
    allowedSigners: string | undefined,
    workDir: string,
    now: Date,
  ): Promise<{ path: string; at: SignersAt | undefined }> {
    if (allowedSigners === undefined) {
      const none = noSignersFile(workDir);
      if ((await fs.readText(none)) !== "") await fs.writeAtomic(none, "", 0o600);
      return { path: none, at: undefined };
    }
    const text = await fs.readText(resolve(allowedSigners));
    if (text === undefined) {
      throw new HoistError(
        "config-invalid",
        `[trust] allowed_signers: ${allowedSigners} does not exist`,
        'Create it in git\'s format, one line per key: alice@example.com namespaces="git" ssh-ed25519 AAAA…',
      );
    }
    const parsed = parseAllowedSigners(text);
    if (parsed.problems.length > 0) {
      throw new HoistError(
        "config-invalid",
        `[trust] allowed_signers: ${
          oneLine(parsed.problems.map((p) => `${allowedSigners}:${p.line}: ${p.message}`))
        }`,
        'Write each line as principals [options] key, e.g. alice@example.com namespaces="git",' +
          'valid-before="20270101Z" ssh-ed25519 AAAA… (see ssh-keygen(1), ALLOWED SIGNERS)',
      );
    }
    const at = allowedSignersAt(parsed, now);
    const path = derivedSignersFile(workDir);
    if ((await fs.readText(path)) !== at.text) await fs.writeAtomic(path, at.text, 0o600);
    return { path, at };
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
      const now = clock();
      const signers = await signersFile(keys.allowedSigners, work, now);
      const env = { ...GIT_ENV, GNUPGHOME: home };
      const results: SignatureResult[] = [];
      for (const commit of commits) {
        const r = await run({
          cmd: "git",
          args: verifyArgs(resolve(cacheDir), commit, signers.path),
          env,
        });
        let verdict = withCommitTime(
          parseVerifyCommit(r.stderr, r.code),
          new TextDecoder().decode(r.stdout),
        );
        if (signers.at && keys.allowedSigners !== undefined) {
          verdict = explainNotValidNow(verdict, signers.at, keys.allowedSigners, now);
        }
        if (verdict.status === "good" && signedByCertificate(verdict)) {
          // one more process, for certificate signatures only
          const object = await run({
            cmd: "git",
            args: catCommitArgs(resolve(cacheDir), commit),
            env,
          });
          verdict = judgeCertificateNow(
            verdict,
            object.code === 0 ? new TextDecoder().decode(object.stdout) : undefined,
            now,
          );
        }
        results.push({ commit, ...verdict });
      }
      return results;
    },
  };
}
