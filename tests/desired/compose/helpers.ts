/**
 * Converting small compose files in tests: one call with the usual options, and the lines of one
 * section of a unit as written.
 *
 * @module
 */
import { hostPaths, type PathPolicy } from "../../../lib/desired/compose/compose_paths.ts";
import {
  type ComposeInput,
  type ComposeProject,
  convertCompose,
} from "../../../lib/desired/compose/convert_compose.ts";
import { formatProblem } from "../../../lib/errors.ts";
import type { Read } from "../../../lib/desired/read.ts";

/** The folder `hostPaths` resolves relative paths against in these tests. */
export const DIR = "/srv/p";

/** Converts `text` as project `p` in user mode, relative paths under {@link DIR}. */
export function convert(
  text: string,
  opts: Partial<Omit<ComposeInput, "text" | "vars">> & {
    vars?: Record<string, string>;
    paths?: PathPolicy;
  } = {},
): Read<ComposeProject | undefined> {
  const vars = opts.vars ?? {};
  return convertCompose({
    file: "p/compose.yaml",
    project: "p",
    prefix: "gitops-",
    mode: "user",
    paths: hostPaths(DIR),
    ...opts,
    text,
    vars: (n) => vars[n],
  });
}

/** The problems of a conversion as `hoist` prints them (first line only). */
export function messages(read: Read<unknown>): string[] {
  return read.problems.map((p) => formatProblem(p).split("\n")[0] ?? "");
}

/** The text of the unit `fileName`, or a message saying which units there are. */
export function unitText(read: Read<ComposeProject | undefined>, fileName: string): string {
  const units = read.value?.units ?? [];
  const unit = units.find((u) => u.fileName === fileName);
  if (unit === undefined) {
    throw new Error(
      `no ${fileName}; units: ${units.map((u) => u.fileName).join(", ")}; problems: ${
        messages(read).join("; ")
      }`,
    );
  }
  return unit.text;
}

/** The `Key=value` lines of `[section]` in `text`, as written. */
export function sectionLines(text: string, section: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(`[${section}]`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && (l === "" || l.startsWith("[")));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The lines every service `web` of project `p` with image busybox gets in `[Container]`. */
export const BASE = [
  "Image=docker.io/library/busybox:1",
  "ContainerName=p-web",
];

/** The default network line of service `web`. */
export const DEFAULT_NET = "Network=gitops-p_default.network:alias=web";

/**
 * Service `web` (image busybox) with `body` (YAML lines indented under the service) converted:
 * the lines of `section` of its unit, without {@link BASE} and the default network.
 */
export function webLines(body: string, section = "Container"): string[] {
  const text = `services:\n  web:\n    image: docker.io/library/busybox:1\n${body}`;
  const read = convert(text);
  return sectionLines(unitText(read, "gitops-p-web.container"), section)
    .filter((l) => !BASE.includes(l) && l !== DEFAULT_NET);
}
