/**
 * A repository snapshot as plain data: what the git adapter (and `validate`'s folder reader)
 * produce and the pure desired-state reader consumes.
 *
 * @module
 */

/** One entry of a repository snapshot (a commit's tree, or a folder on disk for `validate`). */
export type RepoEntry =
  | { readonly kind: "file"; readonly data: Uint8Array }
  | { readonly kind: "symlink"; readonly target: string }
  | { readonly kind: "dir" }
  /** A file larger than the reader accepts; its content was never read. */
  | { readonly kind: "too-large"; readonly size: number };

/** Files of one revision, keyed by repository-relative path (`gitops/host/svc/manifest.yml`). */
export interface RepoTree {
  /** Commit id, or a label such as `working tree` for an on-disk folder. */
  readonly revision: string;
  readonly entries: ReadonlyMap<string, RepoEntry>;
}

/** Largest file hoist reads from a repository (the tree reader stops earlier, at its own cap). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
