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
  | "fs-failed"
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

/**
 * `file:line: message` as shown to humans. File, message and hint come from the repository, so
 * each is {@link oneLine}: no control character reaches the terminal.
 */
export function formatProblem(p: Problem): string {
  const file = p.file === undefined ? undefined : oneLine(p.file);
  const place = file === undefined
    ? ""
    : p.line === undefined
    ? `${file}: `
    : `${file}:${p.line}: `;
  const hint = p.hint === undefined ? "" : `\n  hint: ${oneLine(p.hint)}`;
  return `${p.level}: ${place}${oneLine(p.message)}${hint}`;
}

/**
 * Text fit for one line of a terminal: control characters (C0 but tab, including newline; DEL;
 * C1) are shown as `\xNN` text, so text from a repository cannot drive the terminal. Applying it
 * twice changes nothing more.
 *
 * @example
 * ```ts
 * oneLine("web\x1b]0;owned\x07"); // "web\\x1b]0;owned\\x07"
 * ```
 */
export function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => {
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** Text of several lines for a terminal: each line {@link oneLine}, the newlines kept. */
export function safeText(text: string): string {
  return text.split("\n").map(oneLine).join("\n");
}

/**
 * JSON for a terminal: `JSON.stringify` escapes C0 controls in strings but not DEL or C1 (U+0080
 * to U+009F, which include a one-byte CSI); those become `\u00NN`. Still the same JSON value.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\x7f-\x9f]/g, (c) => {
    return `\\u00${c.charCodeAt(0).toString(16)}`;
  });
}

/**
 * The errno name (`ENOSPC`, `EACCES`…) of an error the runtime threw for a file or process
 * operation, or the SQLite result name (`SQLITE_FULL`…) of a node:sqlite error, read from its
 * message; undefined for anything else.
 */
export function osErrorCode(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code;
  for (const [name, text] of SQLITE_MESSAGES) if (e.message.includes(text)) return name;
  return undefined;
}

/**
 * The errno name of the first OS error text (strerror, as tools such as git print it: `No space
 * left on device`) in `text`, or undefined.
 *
 * @example
 * ```ts
 * strerrorCode("fatal: unable to write loose object file: No space left on device"); // "ENOSPC"
 * ```
 */
export function strerrorCode(text: string): string | undefined {
  return STRERROR.find(([, t]) => text.includes(t))?.[0];
}

/** glibc's texts for the errors whose hint differs from a tool's own. */
const STRERROR: readonly (readonly [string, string])[] = [
  ["ENOSPC", "No space left on device"],
  ["EDQUOT", "Disk quota exceeded"],
  ["EROFS", "Read-only file system"],
  ["EIO", "Input/output error"],
  ["EACCES", "Permission denied"],
];

/** SQLite's own texts for its result codes (sqlite3_errstr), as node:sqlite reports them. */
const SQLITE_MESSAGES: readonly (readonly [string, string])[] = [
  ["SQLITE_FULL", "database or disk is full"],
  ["SQLITE_NOTADB", "file is not a database"],
  ["SQLITE_CORRUPT", "database disk image is malformed"],
  ["SQLITE_CANTOPEN", "unable to open database file"],
  ["SQLITE_READONLY", "attempt to write a readonly database"],
  ["SQLITE_BUSY", "database is locked"],
  ["SQLITE_IOERR", "disk I/O error"],
  ["SQLITE_PERM", "access permission denied"],
];

/**
 * A hint fitting the cause of an OS or SQLite error (see {@link osErrorCode}) met on `path`;
 * `fallback` when the cause says nothing a user can act on.
 */
export function osErrorHint(code: string | undefined, path: string, fallback: string): string {
  switch (code) {
    case "ENOSPC":
    case "EDQUOT":
    case "SQLITE_FULL":
      return `The file system holding ${path} is full (or over quota): free space (df -h) and run again`;
    case "EACCES":
    case "EPERM":
    case "SQLITE_PERM":
    case "SQLITE_READONLY":
      return `hoist may not use ${path}: run it as a user who may (root for mode = "system"), or fix the owner and permissions`;
    case "EROFS":
      return `${path} is on a read-only file system: point hoist at a writable place`;
    case "EEXIST":
    case "ENOTDIR":
      return `${path}, or a folder above it, is a file where hoist needs a folder: move that file away or use another path`;
    case "EISDIR":
      return `${path} is a folder where hoist needs a file: move the folder away or use another path`;
    case "ENOENT":
    case "SQLITE_CANTOPEN":
      return `${path} or a folder above it is missing or not usable: check the path`;
    case "ELOOP":
      return `${path} leads through a symlink loop: fix the links`;
    case "EIO":
    case "SQLITE_IOERR":
      return `The disk holding ${path} reported an I/O error: check it (dmesg), then run again`;
    case "EMFILE":
    case "ENFILE":
      return "Too many open files: raise the limit (LimitNOFILE=) or stop what holds them";
    case "ENOMEM":
      return "The host is out of memory: free some and run again";
    case "E2BIG":
      return "The command line was too long for the OS: this is a bug in hoist; please report it";
    case "SQLITE_NOTADB":
    case "SQLITE_CORRUPT":
      return `${path} is damaged or not hoist's database: restore it from a backup, or move it away to start a new one (hoist then forgets what it deployed)`;
    case "SQLITE_BUSY":
      return `Another program holds ${path} locked: stop it (hoist opens it only under its own lock)`;
    default:
      return fallback;
  }
}

/**
 * An OS or SQLite error met while doing `what` on `path`, as a HoistError: the cause as the
 * runtime said it (one line), and the hint fitting it ({@link osErrorHint}).
 */
export function hostError(
  code: ErrorCode,
  what: string,
  path: string,
  e: unknown,
  fallbackHint = `Check ${path}`,
): HoistError {
  const reason = e instanceof Error ? e.message : String(e);
  return new HoistError(
    code,
    oneLine(`${what}: ${reason}`),
    osErrorHint(osErrorCode(e), path, fallbackHint),
    { cause: e },
  );
}

/** True when any problem is an error. */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.level === "error");
}
