/**
 * The four placeholders hoist fills in unit files; any other `${…}` is left for systemd.
 *
 * @module
 */

/** Values for `${SERVICE_DIR}`, `${HOST_DIR}`, `${SERVICE}` and `${HASH}`. */
export interface TemplateValues {
  readonly SERVICE_DIR: string;
  readonly HOST_DIR: string;
  readonly SERVICE: string;
  readonly HASH: string;
}

const PLACEHOLDER = /\$\{(SERVICE_DIR|HOST_DIR|SERVICE|HASH)\}/g;

/**
 * Replaces hoist's placeholders in `text`.
 *
 * @example
 * ```ts
 * applyTemplate("${SERVICE_DIR}/Caddyfile ${PATH}", { SERVICE_DIR: "/s", HOST_DIR: "/h", SERVICE: "a", HASH: "1" });
 * // "/s/Caddyfile ${PATH}"
 * ```
 */
export function applyTemplate(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (_, name: keyof TemplateValues) => values[name]);
}

/** True when `text` uses `${HOST_DIR}` (its hash then depends on the host folder's files). */
export function usesHostDir(text: string): boolean {
  return text.includes("${HOST_DIR}");
}

/**
 * Paths after `${SERVICE_DIR}` / `${HOST_DIR}` that climb out with `..`, e.g. `${SERVICE_DIR}/../x`.
 * Returns the offending references.
 */
export function escapingReferences(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\$\{(SERVICE_DIR|HOST_DIR)\}([^\s:,;"']*)/g)) {
    const rest = m[2] ?? "";
    if (rest.split("/").includes("..")) out.push(m[0]);
  }
  return out;
}

/** Relative paths referenced under `${SERVICE_DIR}` (`${SERVICE_DIR}/conf/a.txt` → `conf/a.txt`). */
export function serviceDirReferences(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\$\{SERVICE_DIR\}\/([^\s:,;"']+)/g)) {
    const rel = (m[1] ?? "").replace(/\/+$/, "");
    if (rel !== "" && !rel.includes("$")) out.push(rel);
  }
  return out;
}
