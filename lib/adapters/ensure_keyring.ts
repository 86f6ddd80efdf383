/**
 * The isolated gpg keyring that holds only the configured `[trust] gpg_keys`: its `gpg.conf`, where
 * it lives under the work folder, the stamp it is rebuilt by, and `gpg --import` of each key (argv
 * and output parsing pure and exported). `signatures.ts` points git's gpg at it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { HoistError } from "../errors.ts";
import type { Fs } from "./fs.ts";
import type { Runner } from "./run_command.ts";

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

/** Reads and checks the key files; rebuilds the keyring when they changed. Returns GNUPGHOME. */
export async function ensureKeyring(
  run: Runner,
  fs: Fs,
  keyFiles: readonly string[],
  workDir: string,
): Promise<string> {
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
