/**
 * Folders and files of the config: state_dir and quadlet_dir exist, are folders, hoist's, and not
 * writable by others; credentials are readable only by hoist, trust anchors writable only by it.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import { type CheckResult, type ConfigFile, type PathStat, result } from "./types.ts";

const octal = (mode: number) => mode.toString(8).padStart(4, "0");

/** Every file the config names that must be hoist's alone, in config order. */
export function configFiles(config: Config): ConfigFile[] {
  const out: ConfigFile[] = [];
  const add = (key: string, path: string | undefined, secret: boolean) => {
    if (path !== undefined) out.push({ key, path, secret });
  };
  for (const s of config.sources) {
    add(`source ${s.name} ssh_key`, s.sshKey, true);
    add(`source ${s.name} token_file`, s.tokenFile, true);
    add(`source ${s.name} webhook_secret_file`, s.webhookSecretFile, true);
    add(`source ${s.name} ssh_known_hosts`, s.knownHosts, false);
  }
  for (const k of config.trust.gpgKeys) add("trust gpg_keys", k, false);
  add("trust allowed_signers", config.trust.allowedSigners, false);
  for (const f of config.secrets.envFiles) add("secrets env_files", f, true);
  add("serve webhook_secret_file", config.serve.webhookSecretFile, true);
  add("serve status_auth_file", config.serve.statusAuthFile, true);
  add("serve tls_key", config.serve.tls?.key, true);
  return out;
}

/** Owner and write-permission verdict shared by folders and files; undefined when fine. */
function ownership(
  what: string,
  stat: PathStat,
  uid: number,
  rootMayOwn: boolean,
): CheckResult | undefined {
  if (stat.kind === "missing") return undefined;
  if (stat.uid !== uid && !(rootMayOwn && stat.uid === 0)) {
    return result(
      what,
      "error",
      `${stat.path} is owned by uid ${stat.uid}, but hoist runs as uid ${uid}`,
      `chown ${uid} '${stat.path}'`,
    );
  }
  if ((stat.mode & 0o022) !== 0) {
    return result(
      what,
      "error",
      `${stat.path} is writable by ${stat.mode & 0o002 ? "anyone" : "its group"} (mode ${
        octal(stat.mode)
      })`,
      `chmod go-w '${stat.path}'`,
    );
  }
  return undefined;
}

/** state_dir or quadlet_dir. */
export function checkDir(
  key: "state_dir" | "quadlet_dir",
  stat: PathStat,
  uid: number,
): CheckResult {
  if (stat.kind === "missing") {
    return result(
      key,
      "warning",
      `${stat.path} does not exist yet (the first run creates it)`,
      `mkdir -p${key === "state_dir" ? " -m 700" : ""} '${stat.path}', or run hoist init`,
    );
  }
  if (stat.kind !== "dir") {
    return result(key, "error", `${stat.path} is not a folder`, `Remove it or set ${key}`);
  }
  const bad = ownership(key, stat, uid, true);
  if (bad) return bad;
  if (key === "state_dir" && (stat.mode & 0o077) !== 0) {
    return result(
      key,
      "warning",
      `${stat.path} can be read by others (mode ${octal(stat.mode)}); it holds the sources' cache`,
      `chmod 700 '${stat.path}'`,
    );
  }
  return result(key, "ok", `${stat.path} (mode ${octal(stat.mode)}, uid ${stat.uid})`);
}

/** One credential or trust file of the config. */
export function checkFile(file: ConfigFile, stat: PathStat, uid: number): CheckResult {
  const id = file.key;
  if (stat.kind === "missing") {
    return result(
      id,
      "error",
      `${file.path} does not exist`,
      `Create it, or fix ${file.key} in the config`,
    );
  }
  if (stat.kind !== "file") {
    return result(id, "error", `${file.path} is not a plain file`, `Point ${file.key} at a file`);
  }
  const bad = ownership(id, stat, uid, !file.secret);
  if (bad) return bad;
  if (file.secret && (stat.mode & 0o077) !== 0) {
    return result(
      id,
      "error",
      `${file.path} can be read by ${stat.mode & 0o004 ? "anyone" : "its group"} (mode ${
        octal(stat.mode)
      }); it holds a credential`,
      `chmod 600 '${file.path}'`,
    );
  }
  return result(id, "ok", `${file.path} (mode ${octal(stat.mode)})`);
}
