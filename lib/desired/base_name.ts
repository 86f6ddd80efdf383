/**
 * The two ends of a `/`-separated path, without `split(...).pop()!`.
 *
 * @module
 */

/**
 * The last segment of `path`: the file name (`conf/app.env` → `app.env`, `app.env` → `app.env`).
 *
 * @example
 * ```ts
 * baseName("gitops-web/web-net.network"); // "web-net.network"
 * ```
 */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The first segment of `path`: its top folder, or the file itself (`web/conf/a` → `web`). */
export function topName(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? path : path.slice(0, slash);
}
