/**
 * Renders a {@link Plan} for humans, in the manner of `terraform plan`: a header, the problems,
 * one block per action (with a unified diff for every unit file written or removed) and a
 * summary line. Pure and deterministic: the same plan always gives the same text.
 *
 * @module
 */
import { formatPatch, structuredPatch } from "diff";
import { maskSensitive } from "../desired/secrets.ts";
import { formatProblem, type Problem } from "../errors.ts";
import { type Action, changeCount, type Plan } from "../reconcile/types.ts";
import type { SourceVerdict } from "../trust/types.ts";

/** Options of {@link renderPlanText}. */
export interface PlanTextOptions {
  /** ANSI colours; pass true only when writing to a terminal. Without it the text has no escapes. */
  readonly color: boolean;
}

type Paint = (code: string, text: string) => string;

const GREEN = "32";
const RED = "31";
const YELLOW = "33";
const CYAN = "36";
const BOLD = "1";

/** Lines of context around each change in the diffs. */
const CONTEXT = 3;

/**
 * The most lines a diff may add and remove together before the plan shows a count instead: the
 * diff's cost grows with file length × edit length (a 12k-line unit rewritten took ~18 s).
 */
export const MAX_EDIT_LENGTH = 1000;

/**
 * Renders a plan as text ending with a newline.
 *
 * Text from the repository (unit files, scripts, messages) is shown with control characters
 * escaped (ESC becomes the four characters `\x1b`), so an untrusted repository cannot drive
 * the terminal, and colour-less output never contains an escape character.
 *
 * @example
 * ```ts
 * const text = renderPlanText(plan, { color: Deno.stdout.isTerminal() });
 * // hoist plan for host web at 0123456789ab
 * //
 * // + write gitops-web.container (web): new unit
 * //     --- a/gitops-web.container
 * //     +++ b/gitops-web.container
 * //     @@ -0,0 +1,2 @@
 * //     +[Container]
 * //     +Image=docker.io/library/caddy:2
 * // …
 * // Plan: 1 to write, 1 to start.
 * ```
 */
export function renderPlanText(plan: Plan, opts: PlanTextOptions): string {
  const paint: Paint = opts.color
    ? (code, text) => `\x1b[${code}m${text}\x1b[0m`
    : (_, text) => text;
  const out: string[] = [];

  out.push(
    paint(BOLD, `hoist plan for host ${oneLine(plan.host)} at ${shortRevision(plan.revision)}`),
  );

  for (const v of plan.sources ?? []) out.push(...renderSource(v));

  if (plan.problems.length > 0) {
    out.push("");
    for (const p of plan.problems) out.push(renderProblem(p, paint));
  }

  for (const action of plan.actions) {
    out.push("");
    out.push(...renderAction(action, paint));
  }

  if (plan.consequences.length > 0) {
    out.push("");
    out.push(paint(BOLD, "systemd does these by itself, with the actions above:"));
    for (const c of plan.consequences) {
      const sign = paint(c.kind === "stop" ? RED : YELLOW, c.kind === "stop" ? "-" : "~");
      const of = c.service === "" ? "" : ` (${oneLine(c.service)})`;
      out.push(`${sign} ${c.kind} ${oneLine(c.unit)}${of}: ${oneLine(c.reason)}`);
    }
  }

  out.push("");
  out.push(...summary(plan, paint));
  return out.join("\n") + "\n";
}

/** One line per source branch: commit, signer, trust verdict. */
function renderSource(v: SourceVerdict): string[] {
  const verdict = {
    trusted: "signature verified",
    cached: "signature verified earlier",
    unchecked: "signatures not checked (require_signed = false)",
  }[v.verdict];
  const lines = Object.entries(v.commits).map(([branch, commit]) => {
    const by = v.signers[branch];
    const signer = by ? `signed by ${oneLine(by)}, ` : "";
    return `  source ${oneLine(v.source)} branch ${oneLine(branch)} at ${
      shortRevision(commit)
    }: ${signer}${verdict}`;
  });
  if (v.rollback) {
    lines.push(
      `  source ${oneLine(v.source)}: ROLLBACK allowed from ${shortRevision(v.rollback.from)} to ${
        shortRevision(v.rollback.to)
      }`,
    );
  }
  return lines;
}

/** The first 12 characters of a commit id; labels such as `working tree` are kept whole. */
function shortRevision(revision: string): string {
  return /^[0-9a-f]{13,}$/i.test(revision) ? revision.slice(0, 12) : oneLine(revision);
}

function renderProblem(p: Problem, paint: Paint): string {
  const clean: Problem = {
    ...p,
    message: oneLine(p.message),
    ...(p.file === undefined ? {} : { file: oneLine(p.file) }),
    ...(p.hint === undefined ? {} : { hint: oneLine(p.hint) }),
  };
  const text = formatProblem(clean);
  const label = `${p.level}:`;
  return text.startsWith(label)
    ? paint(p.level === "error" ? RED : YELLOW, label) + text.slice(label.length)
    : text;
}

function renderAction(a: Action, paint: Paint): string[] {
  const head = (sign: "+" | "-" | "~" | "*", text: string): string => {
    const code = sign === "+" ? GREEN : sign === "-" ? RED : sign === "~" ? YELLOW : CYAN;
    return `${paint(code, sign)} ${text}`;
  };
  // an action for another account (user =) says whose manager, folder or storage it acts on
  const user = "user" in a && a.user !== undefined ? oneLine(a.user) : undefined;
  const as = user === undefined ? "" : `, as ${user}`;
  const of = (service: string) => (service === "" ? "" : ` (${oneLine(service)}${as})`);
  const reason = `: ${oneLine(a.reason)}`;
  switch (a.kind) {
    case "write":
      return [
        head(a.previous === null ? "+" : "~", `write ${oneLine(a.unit)}${of(a.service)}${reason}`),
        ...unifiedDiff(
          a.unit,
          maskSensitive(a.previous ?? "", a.sensitive ?? []),
          maskSensitive(a.content, a.sensitive ?? []),
          paint,
        ),
      ];
    case "remove":
      return [
        head("-", `remove ${oneLine(a.unit)}${of(a.service)}${reason}`),
        ...(a.previous === null
          ? [indent("(the file is already gone)")]
          : unifiedDiff(a.unit, maskSensitive(a.previous, "all"), "", paint)),
      ];
    case "copy":
      return [
        head(
          "+",
          `copy ${plural(a.files.length, "file")} to ${oneLine(a.dir)}${
            of(a.scope === "service" ? a.service : "")
          }${reason}`,
        ),
      ];
    case "prune":
      return [
        head(
          "-",
          `prune ${plural(a.dirs.length, "old copy", "old copies")}${of(a.service)}${reason}`,
        ),
        ...a.dirs.map((d) => indent(oneLine(d))),
      ];
    case "daemon-reload":
      return [
        head("~", `daemon-reload${user === undefined ? "" : ` (${user}'s manager)`}${reason}`),
        ...(a.waitFor.length === 0
          ? []
          : [indent(`then wait for ${a.waitFor.map(oneLine).join(", ")}`)]),
      ];
    case "start":
    case "restart":
    case "stop": {
      const sign = a.kind === "start" ? "+" : a.kind === "stop" ? "-" : "~";
      return [head(sign, `${a.kind} ${a.units.map(oneLine).join(", ")}${of(a.service)}${reason}`)];
    }
    case "pull":
      return [
        head("+", `pull ${plural(a.images.length, "image")}${of(a.service)}${reason}`),
        ...a.images.map((i) =>
          indent(
            `${oneLine(i.ref)}${i.policy === "missing" ? " (unless in local storage)" : ""}`,
          )
        ),
      ];
    case "proxy-snippet":
      return [
        head(a.previous === null ? "+" : "~", `write ${oneLine(a.path)}${reason}`),
        ...unifiedDiff(a.path.replace(/^\/+/, ""), a.previous ?? "", a.content, paint),
        ...(a.reload.length === 0 ? [] : [indent(`then run ${a.reload.map(oneLine).join(" ")}`)]),
      ];
    case "run-script": {
      const where = a.cwd === "" ? "" : ` in ${oneLine(a.cwd)}`;
      return [
        head("*", `run ${a.phase}.script${where}${reason}`),
        ...splitLines(a.script).map((l) => indent(`| ${oneLine(l)}`)),
      ];
    }
  }
}

/**
 * A unified diff of one unit file, indented, `a/<unit>` → `b/<unit>`; nothing when equal. Past
 * {@link MAX_EDIT_LENGTH} changed lines (and neither side empty) it says how many lines changed.
 */
function unifiedDiff(unit: string, before: string, after: string, paint: Paint): string[] {
  const bounded = before !== "" && after !== "";
  const patch = structuredPatch(`a/${unit}`, `b/${unit}`, before, after, undefined, undefined, {
    context: CONTEXT,
    ...(bounded ? { maxEditLength: MAX_EDIT_LENGTH } : {}),
  });
  if (patch === undefined) return [indent(changedLines(before, after))];
  if (patch.hunks.length === 0) return [indent("(no difference in content)")];
  const text = formatPatch(patch, {
    includeIndex: false,
    includeUnderline: false,
    includeFileHeaders: true,
  });
  return splitLines(text).map((line, i) => {
    const shown = oneLine(line);
    if (i < 2) return indent(paint(BOLD, shown));
    if (line.startsWith("@@")) return indent(paint(CYAN, shown));
    if (line.startsWith("+")) return indent(paint(GREEN, shown));
    if (line.startsWith("-")) return indent(paint(RED, shown));
    return indent(shown);
  });
}

/**
 * `(diff not shown: 12000 lines changed, -6000 +6000)`: the lines between the common first and
 * last lines of both texts, counted in linear time.
 */
function changedLines(before: string, after: string): string {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head && tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) tail++;
  const removed = a.length - head - tail;
  const added = b.length - head - tail;
  return `(diff not shown: ${removed + added} lines changed, -${removed} +${added})`;
}

function summary(plan: Plan, paint: Paint): string[] {
  const lines: string[] = [];
  const errors = plan.problems.filter((p) => p.level === "error");
  if (plan.blocked) {
    lines.push(
      paint(
        RED,
        `Plan blocked: nothing will be applied because of the ${
          plural(errors.length, "error")
        } above.`,
      ),
    );
    return lines;
  }
  const changes = changeCount(plan);
  if (changes === 0) {
    lines.push(
      `No changes. Host ${oneLine(plan.host)} matches revision ${shortRevision(plan.revision)}.`,
    );
  } else {
    const count = (kind: Action["kind"]) => plan.actions.filter((a) => a.kind === kind).length;
    const parts = (["write", "remove", "copy", "prune", "start", "restart", "stop"] as const)
      .map((kind) => [count(kind), kind] as const)
      .filter(([n]) => n > 0)
      .map(([n, kind]) => `${n} to ${kind}`);
    if (count("proxy-snippet") > 0) parts.push("the proxy snippet to write");
    lines.push(
      paint(BOLD, parts.length === 0 ? "Plan: daemon-reload only." : `Plan: ${parts.join(", ")}.`),
    );
  }
  const by = (kind: "restart" | "stop") => plan.consequences.filter((c) => c.kind === kind).length;
  const more = [
    ...(by("restart") > 0 ? [`restarts ${plural(by("restart"), "more unit")}`] : []),
    ...(by("stop") > 0 ? [`stops ${plural(by("stop"), "more unit")}`] : []),
  ];
  if (more.length > 0) lines.push(`systemd ${more.join(" and ")} through their dependencies.`);
  const scripts = plan.actions.flatMap((
    a,
  ) => (a.kind === "run-script" ? [`${a.phase}.script`] : []));
  if (scripts.length > 0) {
    lines.push(`${scripts.join(" and ")} ${scripts.length === 1 ? "runs" : "run"} on every apply.`);
  }
  if (errors.length > 0) {
    const services = [
      ...new Set(errors.flatMap((p) => (p.service === undefined ? [] : [p.service]))),
    ]
      .sort()
      .map(oneLine);
    if (services.length > 0) {
      lines.push(paint(RED, `Left unchanged because of the errors above: ${services.join(", ")}.`));
    }
  }
  return lines;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function indent(line: string): string {
  return `    ${line}`;
}

/** Lines of a text, without the empty string after a final newline. */
function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * Text fit for one line of a terminal: control characters (C0 but tab, including newline; DEL;
 * C1) are shown as `\xNN` text.
 */
function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => {
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}
