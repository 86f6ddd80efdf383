/**
 * The types of a compose conversion: what `convertCompose` (convert_compose.ts) takes and gives. Their own
 * module so the conversion's parts (convert_project.ts) can name them without importing
 * convert_compose.ts back.
 *
 * @module
 */
import type { UnitType } from "../types.ts";
import type { Mode } from "../../types/mode.ts";
import type { EnvCopy, ObjectFile, PathPolicy } from "./compose_paths.ts";
import type { ComposePolicy } from "../../config/compose_config.ts";
import type { Lookup } from "./interpolate.ts";
import type { HealthSettings } from "../health_settings.ts";
import type { UpdatePolicy } from "../../images/update_policy.ts";

/** What to convert, and how its names and paths come out. */
export interface ComposeInput {
  /** The compose file, as problems name it. */
  readonly file: string;
  readonly text: string;
  /** The project name unless the file's `name:` (or `projectOverride`) says otherwise: its folder's name. */
  readonly project: string;
  /** `hoist convert --project`: wins over `name:`. */
  readonly projectOverride?: string;
  /** Prefix of unit file names (`gitops-`). */
  readonly prefix: string;
  /** Decides `[Install] WantedBy=`. */
  readonly mode: Mode;
  /** The project's `.env`, when it has one. */
  readonly dotEnv?: { readonly file: string; readonly text: string };
  /** Variables passed in; they win over `.env`, as the shell does in compose. */
  readonly vars: Lookup;
  readonly paths: PathPolicy;
  /** `hoist validate`: unset variables are warnings. */
  readonly offline?: boolean;
  /** The hoist service the problems block. */
  readonly service?: string;
  /** What the host's `[compose.policy]` refuses (default: nothing), and its `[compose] ignore`. */
  readonly policy?: ComposePolicy;
}

/** One converted unit. */
export interface ComposeUnit {
  /** `gitops-blog-web.container`. */
  readonly fileName: string;
  readonly type: UnitType;
  readonly text: string;
  /** `Section.Key` → the compose line it came from. */
  readonly keyLines: Readonly<Record<string, number>>;
  /** A `.container`'s `env_file`s that it reads from converted copies. */
  readonly envFiles?: readonly EnvCopy[];
  /** The files of `content:`/`environment:` secrets and configs a `.container` mounts. */
  readonly objects?: readonly ObjectFile[];
  /** The included compose file it comes from (`include:`); absent: the main file. */
  readonly source?: { readonly file: string; readonly text: string };
  /** The compose service a `.container` or `.build` belongs to; absent for networks and volumes. */
  readonly composeService?: string;
  /** The compose key each line came from → those lines (`UnitBuilder.byKey`). */
  readonly byKey: Readonly<Record<string, string>>;
  /** A `.container`'s health settings from its compose service's `x-hoist: { health }`. */
  readonly health?: HealthSettings;
  /**
   * A `.container`'s image update policy from `x-hoist: { images }` (its own, or that of another
   * compose service running the same image: the strictest); absent: config.yml's applies.
   */
  readonly images?: UpdatePolicy;
}

/** A converted compose file. */
export interface ComposeProject {
  readonly project: string;
  readonly units: readonly ComposeUnit[];
  /** `x-hoist: {restart_on_change: false}`: units are updated, running containers not restarted. */
  readonly restartOnChange?: false;
  /**
   * The `x-hoist` settings the units do not carry, which act only when hoist deploys the file
   * (health checks, image update policies, `restart_on_change`), sorted by file and line; what
   * `hoist convert` warns about. (`ignore` and `profiles` act on the conversion itself.)
   */
  readonly deployOnly: readonly DeployOnlySetting[];
}

/** One `x-hoist` setting that has no form in the units, and where it is written. */
export interface DeployOnlySetting {
  /** Its key path (`services.web.x-hoist.health`). */
  readonly path: string;
  readonly file: string;
  readonly line: number;
}
