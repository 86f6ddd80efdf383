/**
 * `manifest.yml` → ordered quadlet sections, validated as untrusted input.
 *
 * @module
 */
import { isMap, isSeq, type Pair } from "yaml";
import { type Problem, problem } from "../errors.ts";
import { describeNode, pairKey, parseYamlDoc, scalarString } from "./yaml_doc.ts";
import type { Read } from "./read.ts";
import { checkQuadletValue, QUADLET_KEY } from "./unit_text.ts";
import type { UnitType } from "./types.ts";

/** The manifest file of a service folder. */
export const MANIFEST = "manifest.yml";

/** Sections a manifest may use, in the order quadlet documents them. */
export const MANIFEST_SECTIONS = [
  "Unit",
  "Container",
  "Pod",
  "Network",
  "Volume",
  "Kube",
  "Image",
  "Build",
  "Quadlet",
  "Service",
  "Install",
] as const;

/** The section that decides which kind of quadlet file a manifest becomes. */
export const TYPE_SECTIONS: Readonly<Record<string, UnitType>> = {
  Container: "container",
  Pod: "pod",
  Network: "network",
  Volume: "volume",
  Kube: "kube",
  Image: "image",
  Build: "build",
};

/** Keys quadlet reads once; a list of several values is almost always a mistake. */
const SINGLE_VALUED = new Set([
  "Image",
  "ContainerName",
  "HostName",
  "Pod",
  "PodName",
  "Rootfs",
  "ServiceName",
  "Exec",
  "Entrypoint",
  "WorkingDir",
  "User",
  "Yaml",
  "NetworkName",
  "VolumeName",
]);

/** One `Key=value` group of a manifest, values in the order written. */
export interface ManifestEntry {
  readonly key: string;
  readonly line: number | undefined;
  readonly values: readonly string[];
}

/** One `[Section]` of a manifest. */
export interface ManifestSection {
  readonly name: string;
  readonly line: number | undefined;
  readonly entries: readonly ManifestEntry[];
}

/** A parsed manifest: sections in the order written (never map-iteration order). */
export interface Manifest {
  readonly type: UnitType;
  readonly sections: readonly ManifestSection[];
}

/**
 * Parses a manifest. Every problem names `file` and line; any error means no manifest.
 *
 * @example
 * ```ts
 * const { manifest } = parseManifest("Container:\n  Image: [docker.io/library/caddy]\n", "m.yml");
 * manifest?.sections[0]?.entries[0]?.values; // ["docker.io/library/caddy"]
 * ```
 */
export function parseManifest(
  text: string,
  file: string,
  service?: string,
): { manifest?: Manifest; problems: Problem[] } {
  const { sections, problems } = parseManifestSections(text, file, service);
  if (!sections) return { problems };
  return manifestOf(sections, file, service);
}

/**
 * The sections of a manifest, validated key by key but without requiring a unit-type section
 * (so `manifest.sops.yml` can add to `manifest.yml`).
 */
export function parseManifestSections(
  text: string,
  file: string,
  service?: string,
): { sections?: ManifestSection[]; problems: Problem[] } {
  const parsed = parseYamlDoc(text, file, service);
  if (!parsed.yaml) return { problems: parsed.problems };
  const { doc, lineOf } = parsed.yaml;
  const at: Place = {
    lineOf,
    error: (message, node, hint) =>
      problem("error", message, { file, line: lineOf(node), hint, service }),
  };
  const root = doc.contents;
  if (!isMap(root)) {
    const message = `a manifest must be a map of quadlet sections, got ${describeNode(root)}`;
    return { problems: [at.error(message, root, `Start with a section such as "Container:"`)] };
  }
  const problems: Problem[] = [];
  const sections: ManifestSection[] = [];
  for (const pair of root.items) {
    const section = readSection(pair, at);
    problems.push(...section.problems);
    if (section.value) sections.push(section.value);
  }
  return problems.length > 0 ? { problems } : { sections, problems };
}

/** Lines of YAML nodes, and errors placed at them, in one manifest file. */
interface Place {
  readonly lineOf: (node: unknown) => number | undefined;
  readonly error: (message: string, node: unknown, hint?: string) => Problem;
}

/** One `Section:` of a manifest, each of its keys checked. */
function readSection(pair: Pair<unknown, unknown>, at: Place): Read<ManifestSection | undefined> {
  const name = pairKey(pair);
  if (name === undefined || !(MANIFEST_SECTIONS as readonly string[]).includes(name)) {
    const found = at.error(
      `unknown section ${JSON.stringify(name ?? describeNode(pair.key))}`,
      pair.key,
      `Sections are quadlet groups: ${MANIFEST_SECTIONS.join(", ")}`,
    );
    return { value: undefined, problems: [found] };
  }
  if (!isMap(pair.value)) {
    const message = `${name} must be a map of keys, got ${describeNode(pair.value)}`;
    return { value: undefined, problems: [at.error(message, pair.value ?? pair.key)] };
  }
  const problems: Problem[] = [];
  const entries: ManifestEntry[] = [];
  for (const kv of pair.value.items) {
    const entry = readEntry(name, kv, at);
    problems.push(...entry.problems);
    if (entry.value) entries.push(entry.value);
  }
  return { value: { name, line: at.lineOf(pair.key), entries }, problems };
}

/** One `Key: value` or `Key: [values]` of section `section`: one-line strings, as written. */
function readEntry(
  section: string,
  kv: Pair<unknown, unknown>,
  at: Place,
): Read<ManifestEntry | undefined> {
  const key = pairKey(kv);
  if (key === undefined || !QUADLET_KEY.test(key)) {
    const found = at.error(
      key === undefined
        ? `${section}: keys must be option names, got ${describeNode(kv.key)}`
        : `${section}: invalid key ${JSON.stringify(key)}`,
      kv.key,
      "Keys are quadlet option names made of letters and digits, e.g. PublishPort",
    );
    return { value: undefined, problems: [found] };
  }
  const problems: Problem[] = [];
  const values: string[] = [];
  for (const item of isSeq(kv.value) ? kv.value.items : [kv.value]) {
    const value = scalarString(item);
    if (value === undefined) {
      problems.push(at.error(
        `${section}.${key} values must be strings, got ${describeNode(item)}`,
        item ?? kv.key,
        "Quote the value or write one string per list item",
      ));
      continue;
    }
    const bad = checkQuadletValue(value);
    if (bad) {
      problems.push(
        at.error(`${section}.${key}: ${bad}`, item, "Write one value per list item, on one line"),
      );
      continue;
    }
    values.push(value);
  }
  if (SINGLE_VALUED.has(key) && values.length > 1) {
    problems.push(at.error(
      `${section}.${key} must be one value, got a list of ${values.length}`,
      kv.value,
      `Use one ${key}= per unit`,
    ));
  }
  if (isSeq(kv.value) && kv.value.items.length === 0) {
    problems.push(
      at.error(`${section}.${key} is an empty list`, kv.value, `Remove ${key} or give it a value`),
    );
  }
  return { value: { key, line: at.lineOf(kv.key), values }, problems };
}

/**
 * A manifest from (merged) sections: exactly one unit-type section decides the file type.
 */
export function manifestOf(
  sections: readonly ManifestSection[],
  file: string,
  service?: string,
): { manifest?: Manifest; problems: Problem[] } {
  const typed = sections.flatMap((s) => {
    const type = Object.hasOwn(TYPE_SECTIONS, s.name) ? TYPE_SECTIONS[s.name] : undefined;
    return type === undefined ? [] : [{ section: s, type }];
  });
  const only = typed.length === 1 ? typed[0] : undefined;
  if (!only) {
    const typeSections = typed.map((t) => t.section);
    const second = typeSections[1];
    return {
      problems: [
        problem(
          "error",
          typeSections.length === 0
            ? "a manifest needs one of the sections " + Object.keys(TYPE_SECTIONS).join(", ")
            : `a manifest may have only one of ${typeSections.map((s) => s.name).join(", ")}`,
          {
            file,
            line: second?.line ?? sections[0]?.line ?? 1,
            hint:
              "Put other unit kinds in their own service, or as raw quadlet files next to the manifest",
            service,
          },
        ),
      ],
    };
  }
  return { manifest: { type: only.type, sections }, problems: [] };
}
