/**
 * {@link composeEnvFiles}: a compose project's `env_file`s → the copies podman reads, pure.
 *
 * Compose and podman read env files differently. Compose (the compose specification's env_file
 * format) strips quotes (`'single'` literal, `"double"` with `\n` escapes), drops inline ` #`
 * comments of unquoted values, accepts `export `, and interpolates `${VAR}` in unquoted and
 * double-quoted values. Podman 5.4's `--env-file` (quadlet `EnvironmentFile=` in `[Container]`)
 * takes every character after the first `=` literally, quotes, `#` and `$` included, one variable
 * per line; a line without `=` passes a host variable through. So hoist never points podman at the
 * file as written: it reads it as compose does and writes `NAME=value` lines podman reads back as
 * the same values, 0600 in `.hoist-env/` of the service's copy.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import type { EnvCopy } from "./compose/compose_paths.ts";
import { parseDotenv } from "./compose/dotenv.ts";
import type { Lookup } from "./compose/interpolate.ts";
import type { Read } from "./read.ts";
import { decodeText, readText } from "./repo_files.ts";
import { secretDigest, type SecretInputs } from "./secrets.ts";
import type { ServiceFolder } from "./service_context.ts";
import type { DesiredFile } from "./types.ts";

/**
 * The podman-format copy of each `env_file` (deduplicated by target), with the values compose
 * would give: read with `lookup`, the project's variables. A value podman cannot read back (one
 * with a line break) is an error naming the variable and its line, never the value.
 *
 * @example
 * ```ts
 * const { value: files } = composeEnvFiles(folder, [{ from: { kind: "repo", path: "gitops/h/web/app.env" }, target: ".hoist-env/app.env" }], lookup);
 * files[0].path; // ".hoist-env/app.env"
 * ```
 */
export function composeEnvFiles(
  folder: ServiceFolder,
  copies: readonly EnvCopy[],
  lookup: Lookup,
): Read<DesiredFile[]> {
  const out: DesiredFile[] = [];
  const problems: Problem[] = [];
  for (const copy of copies) {
    if (out.some((f) => f.path === copy.target)) continue;
    const original = originalText(folder, copy);
    problems.push(...original.problems);
    if (original.value === undefined) continue;
    const converted = podmanEnvText(original.value.text, original.value.file, folder.name, lookup);
    problems.push(...converted.problems);
    // after an error (which blocks the service) an empty stand-in keeps references checked
    const data = new TextEncoder().encode(converted.value ?? "");
    out.push({
      path: copy.target,
      data,
      digest: secretDigest(folder.ctx.secrets, data),
      secret: true,
      origin: original.value.file.startsWith(`${folder.dir}/`)
        ? original.value.file.slice(folder.dir.length + 1)
        : original.value.file,
    });
  }
  return { value: out, problems };
}

/**
 * An env file in compose's format → the same variables in podman's: `NAME=value` lines, in the
 * order compose read them (a variable set twice keeps its last value and its first place).
 *
 * @example
 * ```ts
 * podmanEnvText("A='x y'\nB=\"$A!\" # note\n", "app.env", "web", () => undefined).value; // "A=x y\nB=x y!\n"
 * ```
 */
export function podmanEnvText(
  text: string,
  file: string,
  service: string,
  lookup: Lookup,
): Read<string | undefined> {
  const read = parseDotenv(text, file, lookup);
  const problems: Problem[] = read.problems.map((p) => ({ ...p, service }));
  const lines: string[] = [];
  for (const [name, value] of read.vars) {
    if (/[\r\n]/.test(value)) {
      problems.push(
        problem("error", `${name}: a value with a line break cannot be passed to podman`, {
          file,
          line: read.lines.get(name),
          service,
          hint: "Podman reads one variable per line of an env file; pass this value as a secret",
        }),
      );
      continue;
    }
    lines.push(`${name}=${value}\n`);
  }
  return problems.some((p) => p.level === "error")
    ? { value: undefined, problems }
    : { value: lines.join(""), problems };
}

/** The original's text and repository path: a file of the commit, or a decrypted one. */
function originalText(
  { tree, dir, name, ctx }: ServiceFolder,
  copy: EnvCopy,
): Read<{ text: string; file: string } | undefined> {
  if (copy.from.kind === "host") return hostText(copy.from, dir, name, ctx.secrets);
  const path = copy.from.path;
  if (tree.entries.has(path)) {
    const read = readText(tree, path, dir, name);
    return read.ok
      ? { value: { text: read.text, file: path }, problems: [] }
      : { value: undefined, problems: [read.problem] };
  }
  // the decrypted copy of `<path>.sops` or `<base>.sops.env`; secret_files.ts reports one that
  // was not decrypted, and an empty stand-in keeps the unit's reference checked
  const base = path.slice(0, -".env".length);
  const encrypted = [`${path}.sops`, `${base}.sops.env`].find((p) => tree.entries.has(p));
  if (encrypted === undefined) return { value: undefined, problems: [] };
  const decrypted = ctx.secrets.decrypted.get(encrypted);
  if (decrypted === undefined || !decrypted.ok) {
    return { value: { text: "", file: encrypted }, problems: [] };
  }
  const text = decodeText(new TextEncoder().encode(decrypted.text), encrypted, name);
  return text.ok
    ? { value: { text: text.text, file: encrypted }, problems: [] }
    : { value: undefined, problems: [text.problem] };
}

/**
 * A `[secrets] host_dirs` file's text, by its host path; offline (`hoist validate`), an empty
 * stand-in and a warning.
 */
function hostText(
  from: { readonly key: string; readonly rel: string; readonly path?: string },
  dir: string,
  service: string,
  secrets: SecretInputs,
): Read<{ text: string; file: string } | undefined> {
  const text = from.path === undefined ? undefined : secrets.hostFiles?.get(from.path);
  if (from.path !== undefined && text !== undefined) {
    return { value: { text, file: from.path }, problems: [] };
  }
  return {
    value: { text: "", file: from.path ?? from.key },
    problems: [
      problem(
        "warning",
        `${from.rel} is read from the [secrets] host_dirs folder ${from.key} at plan time: not checked offline`,
        { file: dir, service },
      ),
    ],
  };
}
