/**
 * The real quadlet generator, run in `-dryrun` mode to validate units before they are written and
 * to read back what it generates from them.
 *
 * Contract (podman 5.4, `cmd/quadlet/main.go`; docs/quadlet_parsing.md §4): with `-dryrun` the
 * generator never writes files. stdout holds one block per converted unit: a line
 * `---<service file name>---`, the generated service text (its `[Unit]` has `SourcePath=` with
 * the unit file's full path), a blank line. stderr lines start with `quadlet-generator[<pid>]: `
 * and include `Loading source unit file <path>`; errors come once at the end, in one message
 * whose later lines have no prefix: `converting "<file name>": <message>` and
 * `error loading "<full path>", <message>`. A unit file that fails to load drops every unit of
 * its folder. The exit code is 1 when any error was collected.
 *
 * @module
 */
import type { Fs } from "./fs.ts";
import type { Runner } from "./run_command.ts";
import type { Mode } from "../types/mode.ts";

/** A service the generator produced from one of the units it was given. */
export interface GeneratedService {
  /** The generated service's file name as quadlet prints it (`gitops-web.service`). */
  readonly name: string;
  /** Its text. */
  readonly text: string;
}

/** What one dry run says about the units it was given. */
export interface GeneratorRun {
  /** The generator's message per unit file name; empty when it accepted all. */
  readonly errors: Map<string, string>;
  /** Unit path (as given) → the service generated from it; absent when it generated none. */
  readonly generated: Map<string, GeneratedService>;
}

/** Validation by the generator. */
export interface Quadlet {
  /** Where the generator is, or undefined when it is not installed. */
  readonly bin: string | undefined;
  /**
   * Runs the generator on `units` (path relative to a quadlet folder → content) together with
   * `extraDirs` (the live quadlet folder, so references to units hoist does not own resolve), and
   * returns its errors for those units and what it generated from each.
   */
  generate(
    units: ReadonlyMap<string, string>,
    extraDirs: readonly string[],
  ): Promise<GeneratorRun>;
  /**
   * Like {@link Quadlet.generate}, only the errors: the generator's message per unit file name;
   * an empty map means all are valid.
   */
  validate(
    units: ReadonlyMap<string, string>,
    extraDirs: readonly string[],
  ): Promise<Map<string, string>>;
}

/** Where podman packages put the generator. */
export const QUADLET_PATHS = ["/usr/libexec/podman/quadlet", "/usr/lib/podman/quadlet"];

/** A stderr line's own text, without the `quadlet-generator[pid]: ` prefix (the first line has it). */
const PREFIX = /^(?:quadlet-generator\[\d+\]: )?/;

/**
 * Maps generator stderr to messages: `converting "a.container": unsupported key 'Foo' …` under
 * the file name `a.container`, and `error loading "/dir/a.container", file contains line 2: …`
 * under the full path `/dir/a.container`. Only lines that start with these (after the optional
 * prefix) count, so a quoted `converting "x"` inside another message is not taken for x's.
 *
 * @example
 * ```ts
 * parseQuadletErrors('quadlet-generator[1]: converting "a.container": unsupported key \'Foo\' in group \'Container\' in /t/a.container');
 * // Map { "a.container" => "unsupported key 'Foo' in group 'Container'" }
 * ```
 */
export function parseQuadletErrors(stderr: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of stderr.split("\n")) {
    const line = raw.replace(PREFIX, "");
    const converting = /^converting "([^"]+)": (.*)$/.exec(line);
    const loading = /^error loading "([^"]+)", (.*)$/.exec(line);
    const [, name, message] = converting ?? loading ?? [];
    if (name === undefined || message === undefined || out.has(name)) continue;
    out.set(name, converting ? message.replace(/ in \/\S+$/, "") : message);
  }
  return out;
}

/**
 * Splits `-dryrun` stdout into its blocks: `---name.service---` header lines (a content line is
 * always `[group]`, `key=value` or a comment, so a header has no `=`) and the text up to the next.
 *
 * @example
 * ```ts
 * parseDryRun("---web.service---\n[Unit]\nSourcePath=/t/web.container\n\n");
 * // [{ name: "web.service", text: "[Unit]\nSourcePath=/t/web.container\n" }]
 * ```
 */
export function parseDryRun(stdout: string): GeneratedService[] {
  const out: GeneratedService[] = [];
  let current: { name: string; lines: string[] } | undefined;
  const flush = () => {
    if (current) out.push({ name: current.name, text: current.lines.join("\n").trim() + "\n" });
  };
  for (const line of stdout.split("\n")) {
    const header = /^---([^=]+)---$/.exec(line);
    if (header?.[1] !== undefined) {
      flush();
      current = { name: header[1], lines: [] };
    } else current?.lines.push(line);
  }
  flush();
  return out;
}

/** The unit file a generated service comes from: the last `SourcePath=` (quadlet adds its own last). */
export function sourcePathOf(text: string): string | undefined {
  let section = "";
  let found: string | undefined;
  for (const line of text.split("\n")) {
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) section = header[1] ?? "";
    else if (section === "Unit" && line.startsWith("SourcePath=")) {
      found = line.slice("SourcePath=".length);
    }
  }
  return found;
}

/**
 * The unit path under hoist's temporary folder `dir` that a full path the generator printed names,
 * or undefined. The generator resolves symlinks, so the folder is recognised by its own (unique,
 * random) name rather than its whole path.
 */
function pathUnder(dir: string, full: string, paths: readonly string[]): string | undefined {
  const marker = `/${dir.slice(dir.lastIndexOf("/") + 1)}/`;
  const at = full.indexOf(marker);
  const path = at < 0 ? undefined : full.slice(at + marker.length);
  return path !== undefined && paths.includes(path) ? path : undefined;
}

/**
 * The generator's run over `dir` (hoist's units, at `paths` under it) and the extra folders, read
 * back per unit: errors by unit file name (a `converting` error names only the file, an
 * `error loading` one the full path), and the service generated from each unit, found by its
 * `SourcePath=`. A failed run without any message fails every unit.
 */
export function generatorRun(
  dir: string,
  paths: readonly string[],
  result: { readonly code: number; readonly stdout: string; readonly stderr: string },
): GeneratorRun {
  const errors = parseQuadletErrors(result.stderr);
  const names = new Set(paths.map((p) => p.slice(p.lastIndexOf("/") + 1)));
  const mine = new Map<string, string>();
  for (const [key, message] of errors) {
    const path = key.startsWith("/") ? pathUnder(dir, key, paths) : undefined;
    if (path !== undefined) mine.set(path.slice(path.lastIndexOf("/") + 1), message);
    else if (names.has(key)) mine.set(key, message);
  }
  if (result.code !== 0 && mine.size === 0 && errors.size === 0) {
    const tail = result.stderr.trim().split("\n").slice(-3).join("; ");
    for (const name of names) {
      mine.set(name, `quadlet generator failed (exit ${result.code}): ${tail}`);
    }
  }
  const generated = new Map<string, GeneratedService>();
  for (const g of parseDryRun(result.stdout)) {
    const source = sourcePathOf(g.text);
    const path = source === undefined ? undefined : pathUnder(dir, source, paths);
    if (path !== undefined) generated.set(path, g);
  }
  return { errors: mine, generated };
}

/** Creates the validator; `bin` is the first existing path of {@link QUADLET_PATHS} (or the configured one). */
export function createQuadlet(
  run: Runner,
  fs: Fs,
  mode: Mode,
  bin: string | undefined,
): Quadlet {
  const generate = async (
    units: ReadonlyMap<string, string>,
    extraDirs: readonly string[],
  ): Promise<GeneratorRun> => {
    if (bin === undefined || units.size === 0) return { errors: new Map(), generated: new Map() };
    const dir = await fs.makeTempDir("hoist-validate-");
    try {
      for (const [path, content] of units) await fs.writeAtomic(`${dir}/${path}`, content);
      const args = ["-dryrun", "-no-kmsg-log", ...(mode === "user" ? ["-user"] : [])];
      const result = await run({
        cmd: bin,
        args,
        env: { QUADLET_UNIT_DIRS: [dir, ...extraDirs].join(":") },
      });
      const stdout = new TextDecoder().decode(result.stdout);
      return generatorRun(dir, [...units.keys()], { ...result, stdout });
    } finally {
      await fs.removeTree(dir);
    }
  };
  return {
    bin,
    generate,
    validate: async (units, extraDirs) => (await generate(units, extraDirs)).errors,
  };
}
