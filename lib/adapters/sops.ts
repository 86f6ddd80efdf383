/**
 * sops adapter: decrypts one file per call, the ciphertext on stdin and the plaintext on stdout,
 * so neither a secret nor a decrypted file ever appears in argv or on disk outside hoist's 0600
 * files.
 *
 * The contract hoist relies on (from sops 3.8, 3.9 and 3.10; `cmd/sops/codes/codes.go` for the
 * exit codes). tests/support/sops is a stand-in that implements exactly this, because sops cannot
 * be installed on the CI machines:
 *
 * - argv: `sops --decrypt --input-type <yaml|dotenv> --output-type <yaml|dotenv> /dev/stdin`
 * - stdin: the encrypted file exactly as committed; stdout: the plaintext, `sops` metadata removed
 * - environment: hoist's own plus `[secrets] env` (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, GNUPGHOME…)
 * - exit 0: decrypted. 128 (CouldNotRetrieveKey): no available key opens the data key, stderr
 *   starts "Failed to get the data key required to decrypt the SOPS file.". 51 (MacMismatch) and
 *   52 (MacNotFound): the file was altered after encryption. 25 (ErrorDecryptingTree): a value
 *   does not decrypt (its stderr may quote plaintext). 2 (CouldNotReadInputFile). 1
 *   (ErrorGeneric): anything else, e.g. "sops metadata not found" for a file that is not
 *   encrypted, or a parse error.
 * - hoist shows sops's own words only for 128 and "metadata not found"; for every other exit it
 *   shows fixed text, because sops's stderr can quote plaintext (25) or a digest of it (51).
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import type { Runner } from "./run_command.ts";

/** The plaintext, or why there is none (never quoting the plaintext). */
export type SopsResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly message: string; readonly hint: string };

/** sops's input/output formats hoist uses. */
export type SopsFormat = "yaml" | "dotenv";

/** Decrypting with sops. */
export interface Sops {
  /** Decrypts `ciphertext`; a failure is returned (with a message naming no secret), not thrown. */
  decrypt(
    ciphertext: Uint8Array,
    format: SopsFormat,
    env: Readonly<Record<string, string>>,
  ): Promise<SopsResult>;
}

/** Argv of one decryption (pure). */
export function sopsArgs(format: SopsFormat): string[] {
  return ["--decrypt", "--input-type", format, "--output-type", format, "/dev/stdin"];
}

/** What a failed decryption means, and what to do about it. Only sops's first stderr line is kept. */
export function explainSopsFailure(
  code: number,
  stderr: string,
): { message: string; hint: string } {
  const first = stderr.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
  if (code === 128) {
    return {
      message: `sops found no key to decrypt this file: ${
        /^Failed to get the data key/.test(first) ? first : "(no key available)"
      }`,
      hint: 'Give hoist the key: [secrets] env = { SOPS_AGE_KEY_FILE = "/etc/hoist/age.key" } ' +
        "(or SOPS_AGE_KEY / a gpg key), and check the file is encrypted for this host's key",
    };
  }
  if (code === 51 || code === 52) {
    return {
      message:
        "sops refused the file: its MAC does not match (the file was altered after encryption)",
      hint: "Re-encrypt it with sops and commit again; do not deploy a file you cannot trust",
    };
  }
  if (code === 1 && /metadata not found/i.test(first)) {
    return {
      message: "sops could not decrypt this file: sops metadata not found",
      hint:
        "The file is not sops-encrypted: encrypt it with `sops --encrypt --in-place`, or drop .sops from its name",
    };
  }
  return {
    message: `sops could not decrypt this file (exit ${code}${
      code === 25 ? ": a value does not decrypt" : ""
    })`,
    hint:
      "Run `sops --decrypt` on it where the key is available to see why; hoist does not repeat sops's " +
      "message, which can quote secret values",
  };
}

/** Creates the sops adapter. A missing sops binary becomes a failure per file, not a crash. */
export function createSops(run: Runner, bin = "sops"): Sops {
  return {
    async decrypt(ciphertext, format, env) {
      try {
        const r = await run({ cmd: bin, args: sopsArgs(format), stdin: ciphertext, env });
        if (r.code === 0) return { ok: true, text: new TextDecoder().decode(r.stdout) };
        return { ok: false, ...explainSopsFailure(r.code, r.stderr) };
      } catch (e) {
        if (e instanceof HoistError && e.code === "tool-missing") {
          return {
            ok: false,
            message: "sops is not installed",
            hint: "Install sops (3.8 or newer) on this host",
          };
        }
        throw e;
      }
    },
  };
}
