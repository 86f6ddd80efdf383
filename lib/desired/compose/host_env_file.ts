/**
 * {@link hostEnvFile}: an `env_file` outside the service folder, read from a `[secrets] host_dirs`
 * folder (seed 001's untracked `secrets/` folder, reached as `../../secrets/<svc>.env`).
 *
 * @module
 */
import type { HostDirInputs, ResolvedPath } from "./path_types.ts";
import { literal } from "./unit_words.ts";

/**
 * `norm` (normalized, starting `../`) → the copy the unit reads, when the first folder it names
 * after climbing out is a `host_dirs` name and the file is directly in that host folder. Offline
 * (`hostDirs.files` undefined, as in `hoist validate`, which reads no agent config) any such name
 * is accepted; the file is checked at plan time.
 *
 * @example
 * ```ts
 * const dirs = { dirs: new Map([["secrets", "/etc/hoist/secrets"]]), files: new Map([["/etc/hoist/secrets/web.env", "A=1\n"]]) };
 * hostEnvFile("../../secrets/web.env", "../../secrets/web.env", true, dirs);
 * // { ok: true, value: "${SERVICE_DIR}/.hoist-env/host/secrets/web.env", envCopy: … }
 * ```
 */
export function hostEnvFile(
  rel: string,
  norm: string,
  required: boolean,
  hostDirs: HostDirInputs | undefined,
): ResolvedPath {
  const rest = norm.replace(/^(\.\.\/)+/, "");
  const [key = "", ...tail] = rest.split("/");
  const name = tail.join("/");
  const offline = hostDirs !== undefined && hostDirs.files === undefined;
  const hostDir = hostDirs?.dirs.get(key);
  if (rest === ".." || rest.startsWith("../") || name === "" || (!offline && !hostDir)) {
    return {
      ok: false,
      message: `${rel} is outside the service folder`,
      hint: key !== "" && name !== ""
        ? `Keep the file in the service folder, or name its folder in the agent config: [secrets] host_dirs = { ${key} = "/etc/hoist/${key}" }`
        : "Keep the file in the service folder",
    };
  }
  const target = `.hoist-env/host/${key}/${name}`;
  const value = `\${SERVICE_DIR}/${literal(target)}`;
  if (offline || hostDir === undefined) {
    return { ok: true, value, envCopy: { from: { kind: "host", key, rel }, target } };
  }
  if (tail.length > 1) {
    return {
      ok: false,
      message: `${rel}: only files directly in ${hostDir}/ can be read`,
      hint: `Move it to ${hostDir}/${tail.at(-1)} and write ../${key}/${tail.at(-1)}`,
    };
  }
  const path = `${hostDir}/${name}`;
  if (!hostDirs?.files?.has(path)) {
    if (!required) return { ok: false, skip: true };
    return {
      ok: false,
      message: `${rel}: ${path} does not exist on this host`,
      hint:
        `Create ${path} (the folder of [secrets] host_dirs.${key}), or mark the env_file required: false`,
    };
  }
  return { ok: true, value, envCopy: { from: { kind: "host", key, rel, path }, target } };
}
