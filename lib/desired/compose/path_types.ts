/**
 * The types of {@link PathPolicy}: how a compose file's relative paths become unit text
 * (`compose_paths.ts`, `host_env_file.ts`).
 *
 * @module
 */

/**
 * What a relative path is used for: a file (a secret, a config), an `env_file` (which podman reads
 * in its own format, so hoist may write a converted copy), a bind source, a build context.
 */
export type PathUse = "file" | "env_file" | "bind" | "context";

/**
 * An `env_file` that the unit reads from a converted copy: its compose-format original and the
 * path of the podman-format copy in the service's copy.
 */
export interface EnvCopy {
  /**
   * Where the original is: a repository path, or a file of a `[secrets] host_dirs` folder (`key`
   * its name; `path` its host path, unknown to `hoist validate`, which reads no host folder).
   */
  readonly from:
    | { readonly kind: "repo"; readonly path: string }
    | { readonly kind: "host"; readonly key: string; readonly rel: string; readonly path?: string };
  /** The copy's path in the service's copy (`.hoist-env/repo/app.env`). */
  readonly target: string;
}

/** What hoist knows of `[secrets] host_dirs`: folder name → host folder, and their files' text. */
export interface HostDirInputs {
  readonly dirs: ReadonlyMap<string, string>;
  /** By host path; undefined offline (`hoist validate`), when no folder is read. */
  readonly files: ReadonlyMap<string, string> | undefined;
}

/** The folder of the service's copy that holds converted `env_file`s. */
export const ENV_COPY_DIR = ".hoist-env";

/** A relative path as unit text, or why it cannot be used (`skip`: optional and missing). */
export type ResolvedPath =
  | { readonly ok: true; readonly value: string; readonly envCopy?: EnvCopy }
  | { readonly ok: false; readonly skip: true }
  | { readonly ok: false; readonly skip?: false; readonly message: string; readonly hint: string };

/**
 * A file hoist writes into the service's copy for a secret or config declared with `content:` or
 * `environment:` (`.hoist-env/secrets/<name>`); `secret` ones (from a variable) are written 0600
 * and hashed by keyed digest, never shown.
 */
export interface ObjectFile {
  /** Path in the service's copy. */
  readonly path: string;
  readonly text: string;
  readonly secret: boolean;
  /** What declared it (`secrets.db_password.environment`), for messages and plan reasons. */
  readonly origin: string;
}

/** Turns the relative paths of one compose file into unit text. */
export interface PathPolicy {
  /**
   * True when the paths point into hoist's copy of the service folder, where hoist can write the
   * files of `content:`/`environment:` secrets and configs (false for `hoist convert`).
   */
  readonly copy?: boolean;
  /** `rel` as written (`./a.env`, `conf`, `.`); `required: false` lets a missing file be skipped. */
  resolve(rel: string, use: PathUse, required: boolean): ResolvedPath;
  /**
   * Another compose file of the service folder (`include:`, `extends: {file:}`): its path as
   * problems name it, its folder relative to the service folder ("" at the top), and its text;
   * absent where no folder can be read (`hoist convert`).
   */
  readCompose?(rel: string): ComposeFileRead;
}

/** A compose file read for `include:` or `extends: {file:}`, or why it cannot be. */
export type ComposeFileRead =
  | { readonly ok: true; readonly file: string; readonly sub: string; readonly text: string }
  | { readonly ok: false; readonly message: string; readonly hint: string };
