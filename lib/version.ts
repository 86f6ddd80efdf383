/**
 * hoist's version, printed by `hoist version` (kept apart so that answering it loads nothing).
 *
 * @module
 */

/** The release version. */
export const VERSION = "0.1.0";
