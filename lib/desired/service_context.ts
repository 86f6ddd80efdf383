/**
 * What reading one service folder needs: the host it is read for ({@link ServiceContext}) and the
 * folder itself ({@link ServiceFolder}).
 *
 * @module
 */
import type { ComposePolicy } from "../config/compose_config.ts";
import type { Mode } from "../types/mode.ts";
import type { SecretInputs } from "./secrets.ts";
import type { RepoTree } from "./types.ts";

/** What a service needs to know about the host it is read for. */
export interface ServiceContext {
  /** Repository-relative host folder. */
  readonly root: string;
  /** Prefix of unit names (`gitops-`). */
  readonly prefix: string;
  /** Whether units run as system or user services (decides the default `WantedBy=`). */
  readonly mode: Mode;
  /** hoist's state folder, where immutable copies of services live. */
  readonly stateDir: string;
  /** Hash of the host folder's own files, for units that use `${HOST_DIR}` ("" for branches). */
  readonly hostHash: string;
  /** The host folder's immutable copy, `${HOST_DIR}` ("" for branches, which have none). */
  readonly hostDir: string;
  /** config.yml path and the line listing the service, for "folder missing" messages. */
  readonly configFile: string;
  /** Decrypted sops files and variables for `.env` files. */
  readonly secrets: SecretInputs;
  /**
   * The compose file to read instead of `compose.yaml` and its variants: by service
   * (config.yml's `compose:`, else `[services.<name>] compose`), else for every service of the
   * source (`compose` on it).
   */
  readonly compose?: {
    readonly source?: string;
    readonly services?: Readonly<Record<string, string>>;
    /** config.yml's `services.<name>.compose`, which wins over the agent config's. */
    readonly picked?: {
      readonly service: string;
      readonly file: string;
      readonly line: number | undefined;
      /** The agent config's `[services.<name>] compose`, which config.yml overrides. */
      readonly agent?: string;
    };
  };
  /** The host's `[compose.policy]` (default: everything allowed). */
  readonly policy?: ComposePolicy;
  /** The agent config's `[services.<name>]` pre/post scripts, by service. */
  readonly scripts?: Readonly<Record<string, { readonly pre?: string; readonly post?: string }>>;
}

/** One service folder being read: its entries, where it is, its name and its host. */
export interface ServiceFolder {
  /** The repository entries of the folder (paths still repository-relative). */
  readonly tree: RepoTree;
  /** Repository-relative folder, `${ctx.root}/${name}`. */
  readonly dir: string;
  /** The service name. */
  readonly name: string;
  /** The host it is read for. */
  readonly ctx: ServiceContext;
}
