/**
 * The real quadlet generator, run in `-dryrun` mode to validate units before they are written.
 *
 * @module
 */
import type { Fs } from "./fs.ts";
import type { Runner } from "./run_command.ts";
import type { Mode } from "../types/mode.ts";

/** Validation by the generator. */
export interface Quadlet {
  /** Where the generator is, or undefined when it is not installed. */
  readonly bin: string | undefined;
  /**
   * Validates `units` (path relative to a quadlet folder → content) together with `extraDirs`
   * (the live quadlet folder, so references to units hoist does not own resolve).
   * Returns the generator's message per unit file name; an empty map means all are valid.
   */
  validate(
    units: ReadonlyMap<string, string>,
    extraDirs: readonly string[],
  ): Promise<Map<string, string>>;
}

/** Where podman packages put the generator. */
export const QUADLET_PATHS = ["/usr/libexec/podman/quadlet", "/usr/lib/podman/quadlet"];

/**
 * Maps generator stderr to messages per file name:
 * `quadlet-generator[1]: converting "a.container": unsupported key 'Foo' …` → `a.container` → message.
 */
export function parseQuadletErrors(stderr: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stderr.split("\n")) {
    const m = /converting "([^"]+)": (.*)$/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!.replace(/ in \/\S+$/, ""));
  }
  return out;
}

/** Creates the validator; `bin` is the first existing path of {@link QUADLET_PATHS} (or the configured one). */
export function createQuadlet(
  run: Runner,
  fs: Fs,
  mode: Mode,
  bin: string | undefined,
): Quadlet {
  return {
    bin,
    async validate(units, extraDirs) {
      if (bin === undefined || units.size === 0) return new Map();
      const dir = await fs.makeTempDir("hoist-validate-");
      try {
        for (const [path, content] of units) await fs.writeAtomic(`${dir}/${path}`, content);
        const args = ["-dryrun", "-no-kmsg-log", ...(mode === "user" ? ["-user"] : [])];
        const result = await run({
          cmd: bin,
          args,
          env: { QUADLET_UNIT_DIRS: [dir, ...extraDirs].join(":") },
        });
        const errors = parseQuadletErrors(result.stderr);
        const names = new Set([...units.keys()].map((p) => p.slice(p.lastIndexOf("/") + 1)));
        const mine = new Map([...errors].filter(([name]) => names.has(name)));
        if (result.code !== 0 && mine.size === 0 && errors.size === 0) {
          const tail = result.stderr.trim().split("\n").slice(-3).join("; ");
          for (const name of names) {
            mine.set(name, `quadlet generator failed (exit ${result.code}): ${tail}`);
          }
        }
        return mine;
      } finally {
        await fs.removeTree(dir);
      }
    },
  };
}
