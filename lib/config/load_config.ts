/**
 * Agent config (TOML) → typed, validated {@link Config}. Pure: the caller reads the file.
 *
 * @module
 */
import { parse, TomlError } from "smol-toml";
import { z } from "zod";
import { HoistError } from "../errors.ts";

/** Facts about the machine that defaults depend on. */
export interface ConfigContext {
  readonly hostname: string;
  readonly uid: number;
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The validated agent configuration with every default filled in. */
export interface Config {
  /** The file it came from. */
  readonly file: string;
  readonly host: string;
  readonly mode: "user" | "system";
  readonly quadletDir: string;
  readonly stateDir: string;
  readonly unitPrefix: string;
  readonly source: { readonly url: string; readonly branch: string; readonly path: string };
  /** Immutable copies kept per service besides the current one. */
  readonly keepCopies: number;
  /** The quadlet generator; found in the usual places when not set. */
  readonly quadletBin: string | undefined;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const schema = z.strictObject({
  host: z.string().regex(NAME, "must be a plain host name").optional(),
  mode: z.enum(["user", "system"]).optional(),
  quadlet_dir: z.string().startsWith("/", "must be an absolute path").optional(),
  state_dir: z.string().startsWith("/", "must be an absolute path").optional(),
  unit_prefix: z.string().regex(
    /^[A-Za-z0-9_.-]*$/,
    "may only hold letters, digits, '_', '.' and '-'",
  ).optional(),
  keep_copies: z.number().int().min(0).max(100).optional(),
  quadlet_bin: z.string().startsWith("/", "must be an absolute path").optional(),
  source: z.strictObject({
    url: z.string().min(1, "must not be empty"),
    branch: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/, "must be a branch name").default(
      "main",
    ),
    path: z.string().regex(/^[A-Za-z0-9_./-]*$/, "must be a relative folder").refine(
      (p) => !p.startsWith("/") && !p.split("/").includes(".."),
      "must stay inside the repository",
    ).default("gitops"),
  }),
});

/** The default config file: `/etc/hoist/config.toml` as root, else `$XDG_CONFIG_HOME/hoist/config.toml`. */
export function defaultConfigPath(ctx: ConfigContext): string {
  if (ctx.uid === 0) return "/etc/hoist/config.toml";
  return `${ctx.env.XDG_CONFIG_HOME || `${ctx.home}/.config`}/hoist/config.toml`;
}

/**
 * Parses and validates config text. Problems throw `config-invalid` naming the file, line and key.
 *
 * @example
 * ```ts
 * const cfg = parseConfig('[source]\nurl = "/srv/gitops.git"\n', "/etc/hoist/config.toml",
 *   { hostname: "pi", uid: 0, home: "/root", env: {} });
 * cfg.quadletDir; // "/etc/containers/systemd"
 * ```
 */
export function parseConfig(text: string, file: string, ctx: ConfigContext): Config {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    if (e instanceof TomlError) {
      throw new HoistError(
        "config-invalid",
        `${file}:${e.line}: ${e.message.split("\n")[0]}`,
        "Fix the TOML syntax",
      );
    }
    throw e;
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const messages = result.error.issues.map((issue) => {
      const unknown = issue.code === "unrecognized_keys" ? issue.keys : [];
      const key = [...issue.path.map(String), ...unknown.slice(0, 1)];
      const line = findKeyLine(text, key);
      const where = line === undefined ? file : `${file}:${line}`;
      return unknown.length > 0
        ? `${where}: unknown key ${
          unknown.map((k) => JSON.stringify([...issue.path, k].join("."))).join(", ")
        }`
        : `${where}: ${key.join(".") || "config"}: ${issue.message}`;
    });
    throw new HoistError(
      "config-invalid",
      messages.join("\n"),
      "Known keys: host, mode, quadlet_dir, state_dir, unit_prefix, keep_copies, quadlet_bin, [source] url/branch/path",
    );
  }
  const c = result.data;
  const mode = c.mode ?? (ctx.uid === 0 ? "system" : "user");
  const configHome = ctx.env.XDG_CONFIG_HOME || `${ctx.home}/.config`;
  const stateHome = ctx.env.XDG_STATE_HOME || `${ctx.home}/.local/state`;
  return {
    file,
    host: c.host ?? ctx.hostname,
    mode,
    quadletDir: c.quadlet_dir ??
      (mode === "user" ? `${configHome}/containers/systemd` : "/etc/containers/systemd"),
    stateDir: c.state_dir ?? (mode === "user" ? `${stateHome}/hoist` : "/var/lib/hoist"),
    unitPrefix: c.unit_prefix ?? "gitops-",
    source: { url: c.source.url, branch: c.source.branch, path: c.source.path.replace(/\/+$/, "") },
    keepCopies: c.keep_copies ?? 3,
    quadletBin: c.quadlet_bin,
  };
}

/** Best-effort line of a dotted key (`source.url`) in TOML text, for messages. */
export function findKeyLine(text: string, key: readonly string[]): number | undefined {
  const lines = text.split("\n");
  const last = key[key.length - 1];
  if (last === undefined) return undefined;
  const table = key.slice(0, -1).join(".");
  let current = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      current = header[1]!;
      if (current === key.join(".")) return i + 1;
      continue;
    }
    const m = /^("?)([A-Za-z0-9_-]+)\1\s*=/.exec(line);
    if (m && m[2] === last && current === table) return i + 1;
  }
  return undefined;
}
