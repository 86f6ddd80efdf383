/**
 * The rules every unit entry obeys, from a manifest or a raw quadlet file: no way to set hoist's
 * labels, no podman arguments before the subcommand, nothing systemd reads as a second command,
 * no value that podman reads as a flag, and plain names (docs/quadlet_parsing.md, "Rules for
 * hoist").
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { labelRefusal, reservedLabelProblem, splitArgs } from "./labels.ts";
import {
  generatedServiceName,
  lookupLast,
  NAME_KEYS,
  nameRefusal,
  serviceNameRefusal,
  TYPE_SECTION,
  UNIT_FILE_NAME,
} from "./quadlet_names.ts";
import type { UnitType } from "./types.ts";
import type { UnitEntry } from "./unit_text.ts";

/** Where the entries come from, for messages. */
export interface UnitPlace {
  readonly file: string;
  readonly service: string;
  readonly fileName: string;
  readonly type: UnitType;
}

/** Keys whose value quadlet puts where podman still reads flags, as one word. */
const POSITIONAL_KEYS = new Set(["Image", "Rootfs"]);

/**
 * An error for each entry that breaks one of the rules, at its line, plus one for a generated
 * service name systemd would not accept.
 *
 * @example
 * ```ts
 * unitRuleProblems([{ section: "Container", key: "GlobalArgs", value: "--log-level=debug", line: 3 }], place);
 * // [{ message: "GlobalArgs= is not supported …", line: 3, … }]
 * ```
 */
export function unitRuleProblems(entries: readonly UnitEntry[], place: UnitPlace): Problem[] {
  const { file, service, type } = place;
  const own = TYPE_SECTION[type];
  const at = (e: UnitEntry, message: string, hint: string) =>
    problem("error", message, { file, line: e.line, service, hint });
  const problems: Problem[] = [];
  for (const e of entries) {
    const label = labelRefusal(e.key, e.value);
    if (label !== undefined) {
      problems.push(reservedLabelProblem(file, e.line, service, label));
    } else if (e.key === "GlobalArgs") {
      problems.push(at(
        e,
        "GlobalArgs= is not supported: podman reads it before the subcommand",
        "Use the unit's own keys, or PodmanArgs= for options of the subcommand",
      ));
    } else if ((e.key === "PodmanArgs" || e.key === "Exec") && hasBareSemicolon(e.value)) {
      problems.push(at(
        e,
        `${e.key}= has a lone ";", which systemd reads as the start of another command`,
        'Quote it differently or remove it (a ";" inside a word is fine)',
      ));
    } else if (e.section === own && POSITIONAL_KEYS.has(e.key) && e.value.startsWith("-")) {
      problems.push(at(
        e,
        `${e.key}=${e.value} starts with "-", which podman reads as an option`,
        `Give ${e.key}= a name or path`,
      ));
    } else if (e.section === own && NAME_KEYS.includes(e.key)) {
      const why = nameRefusal(e.key, e.value);
      if (why !== undefined) {
        problems.push(at(
          e,
          why,
          "Names may use letters, digits, '_', '.' and '-', start with a letter or digit, and have " +
            "no '/', '@', quotes or spaces",
        ));
      }
    } else if (e.section === "Install" && e.key === "Alias") {
      problems.push(at(
        e,
        "Alias= is not supported: it gives the unit another name hoist cannot check for takeover",
        "Refer to the unit by its own name",
      ));
    }
  }
  const serviceName = lookupLast(entries, own, "ServiceName");
  const unit = generatedServiceName(place.fileName, type, serviceName);
  // a file name that is not plain has its own error; ServiceName= values were checked above
  const why = serviceName === undefined && UNIT_FILE_NAME.test(place.fileName)
    ? serviceNameRefusal(unit)
    : undefined;
  if (why !== undefined) {
    problems.push(problem("error", why, {
      file,
      service,
      hint: "Rename the file (or set a shorter ServiceName=)",
    }));
  }
  return problems;
}

/** True when a value split as quadlet splits it has a word that is exactly `;`. */
function hasBareSemicolon(value: string): boolean {
  return (splitArgs(value) ?? []).includes(";");
}
