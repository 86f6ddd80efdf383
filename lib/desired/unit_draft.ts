/**
 * {@link UnitDraft}, a unit read from a service folder but not rendered yet, and
 * {@link DraftSource}, one kind of file that drafts come from.
 *
 * @module
 */
import type { Read } from "./read.ts";
import type { ServiceFolder } from "./service_context.ts";
import type { DesiredFile, UnitType } from "./types.ts";
import type { HealthSettings } from "./health_settings.ts";
import type { UpdatePolicy } from "../images/update_policy.ts";

/** A unit read from a service folder and checked, before labels, hashing and templating. */
export interface UnitDraft {
  /** Path relative to `quadlet_dir`. */
  readonly path: string;
  /** The unit file's name (`gitops-web.container`, `web-net.network`). */
  readonly fileName: string;
  /** The quadlet type, from the file extension or the manifest's type section. */
  readonly type: UnitType;
  /** Unit text as read or rendered, before labels and placeholders. */
  readonly text: string;
  /** Repository file it comes from. */
  readonly source: string;
  /** The repository file's own text, for line numbers. */
  readonly sourceText: string;
  /** manifest.sops.yml's environment values, for the 0600 env file the unit references. */
  readonly secretEnv?: SecretEnvironment;
  /** `Section.Key` → its line in the source file (first occurrence). */
  readonly keyLines: Readonly<Record<string, number>>;
  /** Files the unit reads that hoist writes into the service's copy (converted env files). */
  readonly files?: readonly DesiredFile[];
  /** From a compose file with `x-hoist: {restart_on_change: false}`. */
  readonly restartOnChange?: false;
  /** The compose service a `.container` or `.build` comes from (networks and volumes: none). */
  readonly composeService?: string;
  /** Compose drafts: the compose key each line came from → those lines. */
  readonly byKey?: Readonly<Record<string, string>>;
  /** A compose `.container`'s own health settings (`x-hoist: { health }`); not hashed. */
  readonly health?: HealthSettings;
  /** A compose `.container`'s image update policy (`x-hoist: { images }`); not hashed. */
  readonly images?: UpdatePolicy;
}

/** Secret environment values as the text of an env file, and the variables it sets. */
export interface SecretEnvironment {
  /** `NAME=value` lines. */
  readonly text: string;
  /** The variables set, in order. */
  readonly names: readonly string[];
}

/**
 * One kind of unit input a service folder can hold (`manifest.yml`, raw quadlet files…). Each is
 * an entry of `DRAFT_SOURCES`; a new input format is one more.
 */
export interface DraftSource {
  /** What it reads, in words, for documentation. */
  readonly kind: string;
  /** True for the top-level file names of a service folder it reads. */
  matches(fileName: string): boolean;
  /** The units one matching file describes, or the problems that keep it from describing any. */
  read(folder: ServiceFolder, fileName: string): Read<UnitDraft[]>;
}

/** `Section.Key` → the first line it appears on. */
export function firstLines(
  pairs: readonly (readonly [string, number | undefined])[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, line] of pairs) if (line !== undefined && !(key in out)) out[key] = line;
  return out;
}
