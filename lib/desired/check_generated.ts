/**
 * Checks what the real generator made of hoist's units against what hoist planned: the service
 * name, and for containers exactly one `gitops-service` and one `gitops-hash` label with hoist's
 * values in the generated `ExecStart` (and, for a compose service's container, one
 * `gitops-unit-hash` with its own hash), no other `gitops-*` label and nothing systemd or podman
 * could turn into another one. hoist's own reading of a unit decides what it plans; this makes
 * sure the generator's reading agrees (docs/quadlet_parsing.md, "Check the result").
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { baseName } from "./base_name.ts";
import { blockInvalid } from "./block_invalid.ts";
import { blockService } from "./block_service.ts";
import {
  HASH_LABEL,
  RESERVED_LABEL_PREFIX,
  SERVICE_LABEL,
  splitArgs,
  UNIT_HASH_LABEL,
} from "./labels.ts";
import { TYPE_SECTION } from "./quadlet_names.ts";
import type { DesiredService, DesiredState, DesiredUnit, ReadyService } from "./types.ts";
import { unitEntries } from "./unit_text.ts";

/** A service the generator produced (`---name---` block of `quadlet -dryrun`). */
export interface GeneratedService {
  readonly name: string;
  readonly text: string;
}

/** What one generator run said about hoist's units. */
export interface GeneratorVerdict {
  /** The generator's message per unit file name. */
  readonly errors: ReadonlyMap<string, string>;
  /** Unit path (relative to quadlet_dir) → the service generated from it. */
  readonly generated: ReadonlyMap<string, GeneratedService>;
}

/**
 * The desired state with every service blocked whose units the generator rejected
 * ({@link blockInvalid}) or generated differently from hoist's plan ({@link generatedProblems});
 * `desired` itself when there is none. Pure.
 *
 * @example
 * ```ts
 * const checked = checkGenerated(desired, await deps.quadlet.generate(units, [quadletDir]));
 * ```
 */
export function checkGenerated(desired: DesiredState, verdict: GeneratorVerdict): DesiredState {
  const judged = blockInvalid(desired, verdict.errors);
  const services = judged.services.map((s): DesiredService => {
    if (s.status === "blocked") return s;
    const problems = s.units.flatMap((u) =>
      verdict.errors.has(baseName(u.path))
        ? []
        : generatedProblems(s, u, verdict.generated.get(u.path))
    );
    return problems.length === 0 ? s : blockService(s, ...problems);
  });
  return services.every((s, i) => s === judged.services[i]) ? judged : { ...judged, services };
}

/**
 * Errors for one unit whose generated service does not match the plan: none generated, another
 * name, or (containers) labels other than exactly hoist's own (two, three for a compose service's).
 */
export function generatedProblems(
  svc: ReadyService,
  unit: DesiredUnit,
  generated: GeneratedService | undefined,
): Problem[] {
  const at = (message: string, hint: string) =>
    problem("error", message, { file: unit.source, service: svc.name, hint });
  if (generated === undefined) {
    return [at(
      `quadlet generated no service from ${unit.path}`,
      "quadlet drops every unit of a folder when one of them does not load; fix that one first",
    )];
  }
  if (generated.name !== unit.serviceUnit) {
    return [at(
      `quadlet generates ${generated.name} from ${unit.path}, but hoist read it as ${unit.serviceUnit}`,
      "Write the unit so it reads one way: no continuation lines, one plain ServiceName=",
    )];
  }
  if (unit.type !== "container") return [];
  return execStartProblems(generated.text, unit, svc).map((why) =>
    at(
      `the service quadlet generates from ${unit.path} ${why}`,
      `Let hoist set the ${SERVICE_LABEL} and ${HASH_LABEL} labels; remove other gitops-* labels ` +
        "and words that systemd could expand into options",
    )
  );
}

/** The `key=value` lines of each section of generated service text, in order. */
function sectionLines(text: string, section: string): string[] {
  let current = "";
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) current = header[1] ?? "";
    else if (current === section) out.push(line);
  }
  return out;
}

/** What is wrong with the labels podman would get from the generated `ExecStart`. */
function execStartProblems(text: string, unit: DesiredUnit, svc: ReadyService): string[] {
  if (text.split("\n").some((l) => l.endsWith("\\"))) {
    return ["has a line ending in a backslash, which systemd joins with the next"];
  }
  const starts = sectionLines(text, "Service").filter((l) => l.startsWith("ExecStart="));
  const last = starts.at(-1);
  const words = last === undefined ? undefined : splitArgs(last.slice("ExecStart=".length));
  const run = words?.indexOf("run") ?? -1;
  if (words === undefined || run < 0) return ["has no podman run command hoist can read"];
  const reasons: string[] = [];
  if (words.includes(";")) reasons.push('has a lone ";", which starts another command');
  const execWords = lastExecWords(unit);
  const flags = words.slice(run + 1, Math.max(run + 1, words.length - execWords - 1));
  const labels = new Map<string, string[]>();
  for (let i = 0; i < flags.length; i++) {
    const w = flags[i] ?? "";
    if (w === "--") break;
    if (mayExpandToOptions(w, flags[i - 1])) {
      reasons.push(`passes ${JSON.stringify(w)}, which systemd may expand into options`);
      continue;
    }
    const label = labelValue(flags, i);
    if (label === "file") reasons.push("reads labels from a file (--label-file)");
    if (label === undefined || label === "file") continue;
    i = label.next;
    const eq = label.value.indexOf("=");
    const key = eq < 0 ? label.value : label.value.slice(0, eq);
    labels.set(key, [...(labels.get(key) ?? []), eq < 0 ? "" : label.value.slice(eq + 1)]);
  }
  const wanted: [string, string][] = [[SERVICE_LABEL, svc.name], [HASH_LABEL, svc.hash]];
  if (unit.group) wanted.push([UNIT_HASH_LABEL, unit.group.hash]);
  for (const [key, want] of wanted) {
    const got = labels.get(key) ?? [];
    if (got.length !== 1 || got[0] !== want) {
      reasons.push(
        `sets ${key} ${
          got.length === 0 ? "nowhere" : `to ${JSON.stringify(got)}`
        }, not once to ${want}`,
      );
    }
  }
  for (const key of labels.keys()) {
    if (wanted.some(([k]) => k === key)) continue;
    if (key.startsWith(RESERVED_LABEL_PREFIX) || /[%$]/.test(key)) {
      reasons.push(`sets the label ${JSON.stringify(key)}, which hoist reserves`);
    }
  }
  return reasons;
}

/**
 * True when systemd could turn `word` into podman options when it starts the service: `$NAME` as
 * a whole word is split into several words; a word starting with `${NAME}` or with specifiers
 * that expand to nothing (`%i-l`) can become a flag, unless it follows a flag that takes it as its
 * value (`-v ${DATA}:/data`).
 */
function mayExpandToOptions(word: string, previous: string | undefined): boolean {
  if (/^\$[A-Za-z_]/.test(word)) return true;
  const asValue = previous !== undefined && previous.startsWith("-") && !previous.includes("=") &&
    previous !== "--";
  if (asValue) return false;
  return word.startsWith("$") ||
    (word.startsWith("%") && word.replace(/^(?:%[iI])+/, "").startsWith("-"));
}

/**
 * A label flag at `words[i]` read the way podman's flag parser reads it (`--label v`,
 * `--label=v`, `-l v`, `-lv`, `-l=v`, `-il v`): its value and the index of its last word; "file"
 * for `--label-file`; undefined for any other word.
 */
function labelValue(
  words: readonly string[],
  i: number,
): { value: string; next: number } | "file" | undefined {
  const w = words[i] ?? "";
  if (w === "--label-file" || w.startsWith("--label-file=")) return "file";
  if (w === "--label") return { value: words[i + 1] ?? "", next: i + 1 };
  if (w.startsWith("--label=")) return { value: w.slice("--label=".length), next: i };
  const cluster = /^-([A-Za-z]*?)l(.*)$/.exec(w);
  if (!cluster || w.startsWith("--")) return undefined;
  const rest = (cluster[2] ?? "").replace(/^=/, "");
  return rest === "" ? { value: words[i + 1] ?? "", next: i + 1 } : { value: rest, next: i };
}

/** How many words quadlet appends after the image: the last `Exec=` of `[Container]`, split. */
function lastExecWords(unit: DesiredUnit): number {
  const exec = unitEntries(unit.content)
    .findLast((e) => e.section === TYPE_SECTION[unit.type] && e.key === "Exec");
  return exec === undefined ? 0 : splitArgs(exec.value)?.length ?? 0;
}
