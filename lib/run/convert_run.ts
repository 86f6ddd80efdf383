/**
 * `hoist convert FILE`: the quadlets of one compose file, no repository involved, as a migration
 * aid. Relative paths point into the file's folder, as compose resolves them; variables come from
 * the folder's `.env`, then hoist's environment (which wins, as the shell does in compose); the
 * units are named as hoist names them (`gitops-<name>`), and checked by the quadlet generator
 * when it is installed. The `x-hoist` settings units cannot carry (health checks, image update
 * policies, `restart_on_change`) are warnings at their lines, never dropped without a word.
 *
 * @module
 */
import { posix } from "node:path";
import type { Deps } from "../deps.ts";
import { hostPaths } from "../desired/compose/compose_paths.ts";
import { type ComposeUnit, convertCompose } from "../desired/compose/convert_compose.ts";
import { HoistError, type Problem, problem } from "../errors.ts";
import type { Mode } from "../types/mode.ts";
import { attempt, type Outcome } from "./outcome.ts";

/** What to convert. */
export interface ConvertOptions {
  /** The compose file, as given (relative to the working folder, or absolute). */
  readonly file: string;
  /** The project name, over the file's `name:` and its folder's name. */
  readonly project?: string;
  /** Decides `[Install] WantedBy=`. */
  readonly mode: Mode;
}

/** What convert reports: the units (none when there is an error) and every problem. */
export interface ConvertReport {
  readonly project: string | undefined;
  readonly units: readonly ComposeUnit[];
  readonly problems: readonly Problem[];
}

/** The prefix of unit names, hoist's default `unit_prefix`. */
export const CONVERT_PREFIX = "gitops-";

/** How many times convert reads more files for `include:` and `extends: {file:}` (depth). */
const MAX_ROUNDS = 16;

/**
 * Reads the file, its `.env` and the compose files it includes or extends, converts, and runs
 * the generator on the units.
 */
export function runConvert(deps: Deps, opts: ConvertOptions): Promise<Outcome<ConvertReport>> {
  return attempt(async () => {
    const abs = posix.normalize(
      posix.isAbsolute(opts.file) ? opts.file : posix.join(deps.cwd(), opts.file),
    );
    const text = await deps.fs.readText(abs);
    if (text === undefined) {
      throw new HoistError("not-found", `no file ${opts.file}`, "Pass the path of a compose file");
    }
    const dir = posix.dirname(abs);
    const envFile = posix.join(posix.dirname(opts.file), ".env");
    const envText = await deps.fs.readText(posix.join(dir, ".env"));
    // include: and extends: {file:} name other files: convert, read what it asked for, again
    const files = new Map<string, string | undefined>();
    const once = (wanted: Set<string>) =>
      convertCompose({
        file: opts.file,
        text,
        project: posix.basename(dir),
        ...(opts.project === undefined ? {} : { projectOverride: opts.project }),
        prefix: CONVERT_PREFIX,
        mode: opts.mode,
        vars: (n) => deps.env[n],
        paths: hostPaths(dir, { files, wanted, shown: posix.dirname(opts.file) }),
        ...(envText === undefined ? {} : { dotEnv: { file: envFile, text: envText } }),
      });
    let wanted = new Set<string>();
    let converted = once(wanted);
    for (let round = 0; wanted.size > 0 && round < MAX_ROUNDS; round++) {
      for (const path of wanted) files.set(path, await deps.fs.readText(path));
      wanted = new Set();
      converted = once(wanted);
    }
    const units = converted.value?.units ?? [];
    const generator = await deps.quadlet.validate(
      new Map(units.map((u) => [u.fileName, u.text])),
      [],
    );
    const problems = [
      ...converted.problems,
      // what the units cannot say must not vanish without a word
      ...(converted.value?.deployOnly ?? []).map((x) =>
        problem(
          "warning",
          `${x.path}: applies only when hoist deploys this file; the units printed here do not carry it`,
          {
            file: x.file,
            line: x.line,
            hint:
              "Keep it in the compose file hoist deploys: the quadlets alone have no form for it",
          },
        )
      ),
      ...[...generator].map(([name, message]) =>
        problem("error", `${name}: the quadlet generator says: ${message}`, { file: opts.file })
      ),
    ];
    return { project: converted.value?.project, units, problems };
  });
}
