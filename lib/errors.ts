/**
 * Errors and diagnostics shared by every layer.
 *
 * Expected problems with user input are collected as {@link Problem} values; unexpected failures
 * (a tool that cannot run, a broken state directory) are thrown as {@link HoistError}.
 *
 * @module
 */

/** A stable machine-readable error code; feeds the state DB and, later, metrics labels. */
export type ErrorCode =
  | "config-invalid"
  | "config-missing"
  | "manifest-invalid"
  | "source-failed"
  | "command-failed"
  | "tool-missing"
  | "lock-busy"
  | "signature-untrusted"
  | "rollback-refused"
  | "commit-date-refused"
  | "output-too-large"
  | "state-failed"
  | "usage"
  | "not-found";

/** An error that names the thing, the place and the fix. */
export class HoistError extends Error {
  /** Stable code, see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** What the user can do about it. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HoistError";
    this.code = code;
    this.hint = hint;
  }
}

/** Severity of a {@link Problem}: an error blocks what it concerns, a warning is only shown. */
export type ProblemLevel = "error" | "warning";

/** A diagnostic about the desired state or the host, collected rather than thrown. */
export interface Problem {
  readonly level: ProblemLevel;
  /** Repository-relative path (or absolute host path) of the file concerned. */
  readonly file?: string;
  /** 1-based line in `file`, where known. */
  readonly line?: number;
  readonly message: string;
  readonly hint?: string;
  /** The service the problem blocks, if any. */
  readonly service?: string;
}

/** Builds a problem, leaving out absent optional fields (exactOptionalPropertyTypes-friendly). */
export function problem(
  level: ProblemLevel,
  message: string,
  where: {
    file?: string | undefined;
    line?: number | undefined;
    hint?: string | undefined;
    service?: string | undefined;
  } = {},
): Problem {
  const p: { -readonly [K in keyof Problem]: Problem[K] } = { level, message };
  if (where.file !== undefined) p.file = where.file;
  if (where.line !== undefined) p.line = where.line;
  if (where.hint !== undefined) p.hint = where.hint;
  if (where.service !== undefined) p.service = where.service;
  return p;
}

/** `file:line: message` as shown to humans. */
export function formatProblem(p: Problem): string {
  const place = p.file === undefined
    ? ""
    : p.line === undefined
    ? `${p.file}: `
    : `${p.file}:${p.line}: `;
  const hint = p.hint === undefined ? "" : `\n  hint: ${p.hint}`;
  return `${p.level}: ${place}${p.message}${hint}`;
}

/** True when any problem is an error. */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.level === "error");
}
