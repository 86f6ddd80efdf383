/**
 * Synchronous sha256 for content hashing (WebCrypto is async-only; the core stays synchronous),
 * and the canonical form of a unit that the service hash covers.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { unitEntries } from "./unit_text.ts";

/** sha256 of `data` (string as UTF-8) as lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Hash of named parts, independent of the order given: parts are sorted by name, and each is
 * framed by its length so that no two different sets collide by concatenation.
 */
export function hashParts(parts: readonly (readonly [string, Uint8Array | string])[]): string {
  const h = createHash("sha256");
  for (const [name, data] of [...parts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    h.update(`${name.length}:${name}\0${bytes.length}:`);
    h.update(bytes);
  }
  return h.digest("hex");
}

/**
 * Keys of `[Unit]` and `[Install]` whose values are sets of unit names: systemd ignores their
 * order and repeats, so the canonical form sorts their words (unless an empty assignment resets
 * the list, which makes order matter again).
 */
const UNIT_SETS: ReadonlySet<string> = new Set([
  "Unit.After",
  "Unit.Before",
  "Unit.Requires",
  "Unit.Requisite",
  "Unit.Wants",
  "Unit.BindsTo",
  "Unit.PartOf",
  "Unit.Upholds",
  "Unit.Conflicts",
  "Unit.OnFailure",
  "Unit.OnSuccess",
  "Install.WantedBy",
  "Install.RequiredBy",
  "Install.UpheldBy",
  "Install.Alias",
  "Install.Also",
]);

/**
 * The effective configuration of a unit as text: sections sorted by name, keys sorted within a
 * section, the values of one key in the order given (systemd and podman give that order meaning:
 * `ExecStart=`, `Environment=`, `PublishPort=`, `Volume=`, an empty value resetting a list), except
 * the unit-name sets of {@link UNIT_SETS}, whose words are sorted. Comments, blank lines,
 * continuation lines, spaces around `=` and the order of keys are not part of it, so moving a key
 * or reformatting a manifest does not change a service's hash.
 *
 * @example
 * ```ts
 * canonicalUnit("[Container]\nPublishPort=8080:80\nImage=a\n# note\n");
 * // "[Container]\nImage=a\nPublishPort=8080:80\n"
 * ```
 */
export function canonicalUnit(text: string): string {
  const sections = new Map<string, Map<string, string[]>>();
  for (const e of unitEntries(text)) {
    const keys = sections.get(e.section) ?? new Map<string, string[]>();
    sections.set(e.section, keys);
    keys.set(e.key, [...(keys.get(e.key) ?? []), e.value]);
  }
  const out: string[] = [];
  for (const section of [...sections.keys()].sort()) {
    out.push(`[${section}]`);
    const keys = sections.get(section) ?? new Map<string, string[]>();
    for (const key of [...keys.keys()].sort()) {
      const values = keys.get(key) ?? [];
      const set = UNIT_SETS.has(`${section}.${key}`) && !values.includes("");
      const shown = set
        ? [[...new Set(values.flatMap((v) => v.split(/\s+/)))].sort().join(" ")]
        : values;
      for (const v of shown) out.push(`${key}=${v}`);
    }
  }
  return out.join("\n") + "\n";
}
