/**
 * Secrets in the desired state, pure: decrypted sops files are passed in (decryption is the
 * adapter's job), `${VAR}` references in plain `.env` files are filled from a variable map.
 *
 * @module
 */
import { createHmac } from "node:crypto";
import { type Problem, problem } from "../errors.ts";

/** The outcome of decrypting one file. Failure messages never hold plaintext. */
export type Decrypted =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly message: string; readonly hint: string };

/** What the secret-aware parts of reading a service need. */
export interface SecretInputs {
  /** Decryption results by repository path, for every encrypted file of the tree. */
  readonly decrypted: ReadonlyMap<string, Decrypted>;
  /** Variables for plain `.env` files: `[secrets] env_files` over the host environment. */
  readonly vars: ReadonlyMap<string, string>;
  /**
   * Offline checking (`hoist validate`): encrypted files that were not decrypted and variables
   * that are not set are warnings, not errors.
   */
  readonly offline?: boolean;
  /** The host's key for {@link secretDigest} (kept 0600 in state_dir/secrets). */
  readonly key?: string;
  /** `[secrets] host_dirs`: folder name → host folder, for env files outside the repository. */
  readonly hostDirs?: ReadonlyMap<string, string>;
  /** The text of each file directly in a host folder, by host path (read at apply time). */
  readonly hostFiles?: ReadonlyMap<string, string>;
}

/** No decrypted files, no variables. */
export const NO_SECRETS: SecretInputs = { decrypted: new Map(), vars: new Map() };

/** For `hoist validate`: secrets are not checked, only reported as such. */
export const OFFLINE_SECRETS: SecretInputs = {
  decrypted: new Map(),
  vars: new Map(),
  offline: true,
};

/** The encrypted manifest that adds to `manifest.yml`. */
export const SOPS_MANIFEST = "manifest.sops.yml";

/** The 0600 env file, in the service's copy, that carries manifest.sops.yml's values. */
export const SECRET_ENV_FILE = ".manifest-secrets.env";

/**
 * A digest of secret content keyed with the host's own key (HMAC-SHA256), so the service hash,
 * its label and the state DB cannot be used to test guesses of a secret.
 */
export function secretDigest(secrets: SecretInputs, data: Uint8Array): string {
  return createHmac("sha256", secrets.key ?? "").update(data).digest("hex");
}

/**
 * For an encrypted file name, the name its decrypted copy gets and sops's format:
 * `db.sops.env` → `db.env`, `.env.sops` → `.env`, `app.env.sops` → `app.env`,
 * `manifest.sops.yml` → yaml (merged into the unit, not copied).
 */
export function encryptedFile(
  name: string,
): { target: string; format: "dotenv" | "yaml" } | undefined {
  if (name === SOPS_MANIFEST) return { target: "", format: "yaml" };
  if (name.endsWith(".sops.env") && name.length > ".sops.env".length) {
    return { target: name.slice(0, -".sops.env".length) + ".env", format: "dotenv" };
  }
  if (name.endsWith(".env.sops")) {
    return { target: name.slice(0, -".sops".length), format: "dotenv" };
  }
  return undefined;
}

/** A plain env file whose `${VAR}` references hoist fills in (`.env`, `app.env`). */
export function isPlainEnvFile(name: string): boolean {
  return (name === ".env" || name.endsWith(".env")) && encryptedFile(name) === undefined;
}

/** The prefix of service-specific variables: `web-app` → `WEB_APP_`. */
export function servicePrefix(service: string): string {
  return service.toUpperCase().replace(/[^A-Z0-9]/g, "_") + "_";
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Fills `${VAR}` and `$VAR` in an env file, line by line (`$$` is a literal `$`, comment lines
 * are left alone). `<SERVICE>_<VAR>` wins over `<VAR>`. A missing variable is an error naming the
 * file, the line and the variable — never a value.
 *
 * @example
 * ```ts
 * substituteVars("DB_PASSWORD=${DB_PASSWORD}\n", "web/app.env", "web", new Map([["WEB_DB_PASSWORD", "s3"]]));
 * // { text: "DB_PASSWORD=s3\n", problems: [] }
 * ```
 */
export function substituteVars(
  text: string,
  file: string,
  service: string,
  vars: ReadonlyMap<string, string>,
  offline = false,
): { text?: string; problems: Problem[] } {
  const problems: Problem[] = [];
  const prefix = servicePrefix(service);
  const lines = text.split("\n").map((line, i) => {
    if (line.trimStart().startsWith("#")) return line;
    return line.replace(REFERENCE, (match, braced?: string, bare?: string) => {
      const name = braced ?? bare;
      if (name === undefined) return "$"; // the match is `$$`
      const value = vars.get(prefix + name) ?? vars.get(name);
      if (value === undefined) {
        problems.push(problem(offline ? "warning" : "error", `variable ${name} is not set`, {
          file,
          line: i + 1,
          service,
          hint:
            `Set ${prefix}${name} or ${name} in hoist's environment or in a [secrets] env_files file`,
        }));
        return match;
      }
      if (/[\n\r\0]/.test(value)) {
        problems.push(
          problem("error", `variable ${name} holds a line break`, { file, line: i + 1, service }),
        );
        return match;
      }
      return value;
    });
  });
  const failed = problems.some((p) => p.level === "error");
  return failed ? { problems } : { text: lines.join("\n"), problems };
}

/** Reads `KEY=VALUE` lines (dotenv: comments, `export `, optional quotes) into a map. */
export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim().replace(/^export\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1);
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out.set(key, value);
  }
  return out;
}

/**
 * Masks secret environment values in unit text: in `Environment=` lines, each `NAME=value` word
 * whose NAME is in `names` (or every word, for "all") becomes `NAME=(sensitive)`. Used on unit
 * files hoist adopts or removes, which may predate hoist (homelab-gitops wrote sops values into
 * units).
 *
 * @example
 * ```ts
 * maskSensitive("Environment=DB_PASSWORD=s3 TZ=UTC\n", ["DB_PASSWORD"]);
 * // "Environment=DB_PASSWORD=(sensitive) TZ=UTC\n"
 * ```
 */
export function maskSensitive(text: string, names: readonly string[] | "all"): string {
  if (names !== "all" && names.length === 0) return text;
  const secret = (name: string) => names === "all" || names.includes(name);
  return text.split("\n").map((line) => {
    const m = /^(\s*Environment\s*=\s*)(.*)$/.exec(line);
    if (!m) return line;
    const [, head = "", words = ""] = m; // both groups always take part in a match
    // words are "quoted", 'quoted' or bare, as systemd splits Environment=
    return head + words.replace(/"[^"]*"|'[^']*'|(?:\\.|\S)+/g, (word) => {
      const q = word[0] === '"' || word[0] === "'" ? word[0] : "";
      const inner = q ? word.slice(1, -1) : word;
      const name = /^[A-Za-z_][A-Za-z0-9_]*=/.exec(inner)?.[0].slice(0, -1);
      return name !== undefined && secret(name) ? `${q}${name}=(sensitive)${q}` : word;
    });
  }).join("\n");
}
