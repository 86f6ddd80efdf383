/**
 * hoist's version, printed by `hoist version` (kept apart so that answering it loads nothing).
 *
 * @module
 */

/** The release version. */
export const VERSION = "0.1.0";

/** `hoist version`'s line. */
export function versionLine(): string {
  return `hoist ${VERSION} (deno ${Deno.version.deno})\n`;
}
