/**
 * Helpers around the TEST STAND-IN for sops (`tests/support/sops`): making "encrypted" files it
 * accepts, and a PATH that puts it first so hoist's real sops adapter runs it as `sops`.
 *
 * The contract the stand-in fakes is written once, at the top of lib/adapters/sops.ts; its own
 * file format is described at the top of tests/support/sops.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

/** The folder holding the stand-in, named `sops` so that PATH lookups find it. */
export const STANDIN_DIR: string = fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "");

/** The stand-in's path. */
export const STANDIN_SOPS = `${STANDIN_DIR}/sops`;

/**
 * "Encrypts" `plaintext` for the stand-in so that it opens only with `keyId` (the whole line of
 * an age key file or of SOPS_AGE_KEY). The result holds no plaintext: base64 of it plus a
 * sha256 MAC and the key id. `format` must match the `--input-type` hoist passes (`dotenv` for
 * `*.sops.env`, `yaml` for `manifest.sops.yml`).
 *
 * @example
 * ```ts
 * encryptForStandin("DB_PASSWORD=s3cr3t\n", "AGE-SECRET-KEY-STANDIN-1", "dotenv");
 * // "# sops test stand-in…\nsops_standin_format=dotenv\nsops_standin_key=…\n…"
 * ```
 */
export function encryptForStandin(
  plaintext: string,
  keyId: string,
  format: "yaml" | "dotenv" = "yaml",
): string {
  const bytes = new TextEncoder().encode(plaintext);
  const mac = createHash("sha256").update(bytes).digest("hex");
  const data = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
  return [
    "# encrypted for the sops TEST STAND-IN (tests/support/sops), not by sops",
    `sops_standin_format=${format}`,
    `sops_standin_key=${keyId}`,
    `sops_standin_mac=${mac}`,
    `sops_standin_data=${data}`,
    "",
  ].join("\n");
}

/**
 * `encrypted` with its values' type tag set to `type` (`sops_standin_type=`), as an attacker or a
 * broken tool could edit sops's `type:` inside ENC[...] values: the MAC still matches, but with
 * `int` the stand-in exits 25 and quotes the plaintext on stderr, as sops does.
 *
 * @example
 * ```ts
 * retypeForStandin(encryptForStandin("A=s3\n", KEY, "dotenv"), "int");
 * // sops stand-in: exit 25, stderr `Error decrypting tree: strconv.Atoi: parsing "s3": invalid syntax`
 * ```
 */
export function retypeForStandin(encrypted: string, type: "str" | "int"): string {
  const without = encrypted.replace(/^sops_standin_type=.*\n/m, "");
  return `${without}sops_standin_type=${type}\n`;
}

/**
 * A PATH with the stand-in's folder first, for hoist to hand sops: `[secrets] env = { PATH = … }`
 * in the agent config makes hoist's real adapter, `createSops(run)` spawning `sops`, find the
 * stand-in by name. (Changing this process's PATH instead would race: test files run in parallel
 * in one process.) Only a `sops` lives in that folder besides these TypeScript files.
 */
export function pathWithStandin(path = Deno.env.get("PATH") ?? ""): string {
  return path === "" ? STANDIN_DIR : `${STANDIN_DIR}:${path}`;
}

/** The first `sops` on `path` (this process's PATH by default), or undefined. */
export function sopsOnPath(path = Deno.env.get("PATH") ?? ""): string | undefined {
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    try {
      const st = Deno.statSync(`${dir}/sops`);
      if (st.isFile && ((st.mode ?? 0) & 0o111) !== 0) return `${dir}/sops`;
    } catch {
      // not there
    }
  }
  return undefined;
}
