/**
 * {@link UnitBuilder}: collects one unit's `Key=value` lines and the problems found making them,
 * every value checked so that none can add a line of its own.
 *
 * @module
 */
import { type Problem, problem } from "../../errors.ts";
import { checkQuadletValue, type UnitEntry } from "../unit_text.ts";

/** The sections a converted unit may have, in the order they are written. */
export const SECTIONS = [
  "Unit",
  "Container",
  "Network",
  "Volume",
  "Build",
  "Service",
  "Install",
] as const;

/** One of {@link SECTIONS}. */
export type Section = typeof SECTIONS[number];

/** Where problems go and how key paths are judged: shared by every unit of one compose file. */
export interface Diagnostics {
  readonly file: string;
  readonly service?: string;
  /** Key paths (`services.web.deploy`) or last segments (`deploy`) that are only warnings. */
  readonly ignore: ReadonlySet<string>;
  /** The same, from the agent config's `[compose] ignore`. */
  readonly hostIgnore?: ReadonlySet<string>;
  readonly problems: Problem[];
}

/**
 * Where `path` (or its last segment) is listed as ignored: the compose file's x-hoist.ignore, the
 * agent config's `[compose] ignore`, or nowhere (undefined).
 */
export function ignored(
  d: Diagnostics,
  path: string,
): "x-hoist.ignore" | "[compose] ignore" | undefined {
  const last = path.slice(path.lastIndexOf(".") + 1).replace(/\[\d+\]$/, "");
  if (d.ignore.has(path) || d.ignore.has(last)) return "x-hoist.ignore";
  if (d.hostIgnore?.has(path) || d.hostIgnore?.has(last)) return "[compose] ignore";
  return undefined;
}

/** An error at `path` (`services.web.ports[0]: …`). */
export function fail(d: Diagnostics, path: string, line: number, message: string, hint?: string) {
  d.problems.push(
    problem("error", `${path}: ${message}`, { file: d.file, line, hint, service: d.service }),
  );
}

/** A warning at `path`. */
export function warn(d: Diagnostics, path: string, line: number, message: string, hint?: string) {
  d.problems.push(
    problem("warning", `${path}: ${message}`, { file: d.file, line, hint, service: d.service }),
  );
}

/**
 * A key hoist does not map: an error, or a warning when x-hoist.ignore or the agent config's
 * `[compose] ignore` lists it. `why` replaces
 * the default "not supported by quadlets".
 */
export function unsupported(d: Diagnostics, path: string, line: number, why?: string): void {
  const reason = why ?? "not supported by quadlets";
  const where = ignored(d, path);
  if (where === undefined) {
    fail(d, path, line, `${reason}; remove it or list it under x-hoist.ignore`);
  } else warn(d, path, line, `${reason}; ignored (${where})`);
}

/** One unit being built. */
export class UnitBuilder {
  readonly #lines = new Map<Section, [string, string][]>();
  readonly #entries: UnitEntry[] = [];
  readonly #keyLines: Record<string, number> = {};
  readonly #byKey = new Map<string, string[]>();

  /**
   * `root`: the key path whose direct keys group this unit's lines for {@link byKey}
   * (`services.web` groups `services.web.ports[0]` under `services.web.ports`).
   */
  constructor(readonly diagnostics: Diagnostics, readonly root?: string) {}

  /**
   * Adds `key=value` to `section`, unless `value` has a line break, a control character or a
   * trailing backslash: then an error at `path` instead.
   */
  add(section: Section, key: string, value: string, line: number, path: string): void {
    const bad = checkQuadletValue(value);
    if (bad !== undefined) {
      fail(
        this.diagnostics,
        path,
        line,
        bad,
        "Write the value on one line, without control characters",
      );
      return;
    }
    const list = this.#lines.get(section) ?? [];
    list.push([key, value]);
    this.#lines.set(section, list);
    this.#entries.push({ section, key, value, line });
    this.#keyLines[`${section}.${key}`] ??= line;
    const group = keyGroup(path, this.root);
    this.#byKey.set(group, [...(this.#byKey.get(group) ?? []), `${section}.${key}=${value}`]);
  }

  /** True when `section` has `key`. */
  has(section: Section, key: string): boolean {
    return (this.#lines.get(section) ?? []).some(([k]) => k === key);
  }

  /** The sections with lines, in {@link SECTIONS} order. */
  sections(): { name: Section; lines: [string, string][] }[] {
    return SECTIONS.filter((s) => this.#lines.has(s)).map((name) => ({
      name,
      lines: this.#lines.get(name) ?? [],
    }));
  }

  /** Every entry added, with the compose line it came from (for `unitRuleProblems`). */
  entries(): readonly UnitEntry[] {
    return this.#entries;
  }

  /** `Section.Key` → the compose line it came from. */
  keyLines(): Readonly<Record<string, number>> {
    return this.#keyLines;
  }

  /**
   * The compose key each line came from (`services.web.ports`) → those lines as written, sorted
   * by key: what a plan names when the unit changes.
   */
  byKey(): Readonly<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const k of [...this.#byKey.keys()].sort()) out[k] = this.#byKey.get(k)?.join("\n") ?? "";
    return out;
  }
}

/** `root.key` for a path under `root` (`services.web.ports[0]` → `services.web.ports`), else the path without indexes. */
function keyGroup(path: string, root: string | undefined): string {
  if (root !== undefined && path.startsWith(`${root}.`)) {
    const rest = path.slice(root.length + 1);
    const key = /^("(?:[^"\\]|\\.)*"|[^.[]+)/.exec(rest)?.[1] ?? rest;
    return `${root}.${key}`;
  }
  return path.replace(/\[\d+\].*$/, "");
}
