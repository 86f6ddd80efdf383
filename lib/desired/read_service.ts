/**
 * One service folder → {@link DesiredService}: manifest and raw quadlets rendered, files hashed.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import { hashParts, sha256Hex } from "./digest.ts";
import { manifestOf, parseManifestSections } from "./parse_manifest.ts";
import {
  HASH_LABEL,
  reservedLabelProblem,
  SERVICE_LABEL,
  setsReservedLabel,
  splitWords,
} from "./labels.ts";
import { secretEnvironment, secretFiles } from "./service_secrets.ts";
import {
  encryptedFile,
  SECRET_ENV_FILE,
  secretDigest,
  type SecretInputs,
  SOPS_MANIFEST,
} from "./secrets.ts";
import { generatedServiceName, TYPE_SECTION, UNIT_FILE_NAME, unitTypeOf } from "./quadlet_names.ts";
import { collectFiles, decodeText, hasDir, readRepoFile } from "./repo_files.ts";
import {
  applyTemplate,
  escapingReferences,
  serviceDirReferences,
  usesHostDir,
} from "./template.ts";
import type { DesiredService, DesiredUnit, RepoTree, UnitType } from "./types.ts";
import { injectAfterHeader, renderUnitText, unitEntries, unitSections } from "./unit_text.ts";
import type { Mode } from "../types/mode.ts";

/** What a service needs to know about the host it is read for. */
export interface ServiceContext {
  /** Repository-relative host folder. */
  readonly root: string;
  readonly prefix: string;
  readonly mode: Mode;
  readonly stateDir: string;
  readonly hostHash: string;
  readonly hostDir: string;
  /** config.yml path and the line listing the service, for "folder missing" messages. */
  readonly configFile: string;
  /** Decrypted sops files and variables for `.env` files. */
  readonly secrets: SecretInputs;
}

interface UnitDraft {
  readonly path: string;
  readonly fileName: string;
  readonly type: UnitType;
  readonly text: string;
  readonly source: string;
  /** The repository file's own text, for line numbers. */
  readonly sourceText: string;
  /** manifest.sops.yml's environment values, for the 0600 env file the unit references. */
  readonly secretEnv?: { readonly text: string; readonly names: readonly string[] };
  /** `Section.Key` → its line in the source file (first occurrence). */
  readonly keyLines: Readonly<Record<string, number>>;
}

const MANIFEST = "manifest.yml";

export { HASH_LABEL, SERVICE_LABEL } from "./labels.ts";

/** Where immutable copies of a service's files live. */
export function serviceCopyDir(stateDir: string, service: string, hash: string): string {
  return `${stateDir}/services/${service}/${hash}`;
}

/** Reads and renders one service; errors leave it blocked (no units, hash ""). */
export function readService(
  tree: RepoTree,
  name: string,
  line: number | undefined,
  ctx: ServiceContext,
): DesiredService {
  const dir = `${ctx.root}/${name}`;
  const problems: Problem[] = [];
  const blocked = (): DesiredService => ({
    name,
    hash: "",
    dir: "",
    units: [],
    files: [],
    inputs: {},
    dependsOn: [],
    problems,
  });
  if (!hasDir(tree, dir)) {
    problems.push(problem("error", `service ${name} is listed but ${dir}/ does not exist`, {
      file: ctx.configFile,
      line,
      service: name,
      hint: `Create ${dir}/manifest.yml or remove ${name} from config.yml`,
    }));
    return blocked();
  }

  const drafts: UnitDraft[] = [];
  const isUnitSource = (rel: string) =>
    !rel.includes("/") &&
    (rel === MANIFEST || rel === SOPS_MANIFEST || unitTypeOf(rel) !== undefined);
  const hasPlainManifest = tree.entries.has(`${dir}/${MANIFEST}`);
  for (
    const rel of [...tree.entries.keys()].filter((p) => p.startsWith(dir + "/")).map((p) =>
      p.slice(dir.length + 1)
    ).filter(isUnitSource).sort()
  ) {
    const file = `${dir}/${rel}`;
    if (tree.entries.get(file)?.kind === "dir") continue;
    // manifest.sops.yml is merged into manifest.yml's unit (or stands alone without one)
    if (rel === SOPS_MANIFEST && hasPlainManifest) continue;
    const read = readRepoFile(tree, file, dir, name);
    const decoded = read.data ? decodeText(read.data, file, name) : {};
    if (read.problem || decoded.problem || decoded.text === undefined) {
      problems.push((read.problem ?? decoded.problem)!);
      continue;
    }
    const sops = tree.entries.has(`${dir}/${SOPS_MANIFEST}`)
      ? `${dir}/${SOPS_MANIFEST}`
      : undefined;
    const draft = rel === MANIFEST || rel === SOPS_MANIFEST
      ? manifestDraft(rel === MANIFEST ? decoded.text : "", file, sops, name, ctx, problems)
      : rawDraft(decoded.text, file, rel, name, ctx, problems);
    if (draft) drafts.push(draft);
  }
  const seen = new Map<string, string>();
  for (const d of drafts) {
    const type = d.type;
    const own = unitEntries(d.text).filter((e) => e.section === TYPE_SECTION[type]);
    const generated = generatedServiceName(
      d.fileName,
      type,
      own.findLast((e) => e.key === "ServiceName")?.value,
    );
    for (const key of [d.fileName, generated]) {
      const other = seen.get(key);
      if (other !== undefined && other !== d.source) {
        problems.push(problem("error", `${key} is also produced by ${other}`, {
          file: d.source,
          service: name,
          hint: "Each unit file and generated service needs its own name; rename one of them",
        }));
      }
      seen.set(key, d.source);
    }
  }
  if (drafts.length === 0 && problems.length === 0) {
    problems.push(problem("error", `${dir}/ has no ${MANIFEST} and no quadlet files`, {
      file: ctx.configFile,
      line,
      service: name,
      hint: `Add ${dir}/${MANIFEST} with a Container section`,
    }));
  }

  const isEncrypted = (rel: string) => encryptedFile(rel.split("/").pop()!) !== undefined;
  const collected = collectFiles(tree, dir, (rel) => isUnitSource(rel) || isEncrypted(rel), name);
  problems.push(...collected.problems);
  const files = secretFiles(tree, dir, name, collected.files, ctx, problems);
  for (const d of drafts) {
    if (!d.secretEnv) continue;
    if (files.some((f) => f.path === SECRET_ENV_FILE)) {
      problems.push(
        problem("error", `${SECRET_ENV_FILE} is reserved for ${SOPS_MANIFEST}'s values`, {
          file: `${dir}/${SECRET_ENV_FILE}`,
          service: name,
          hint: "Rename that file",
        }),
      );
      continue;
    }
    const data = new TextEncoder().encode(d.secretEnv.text);
    files.push({
      path: SECRET_ENV_FILE,
      data,
      digest: secretDigest(ctx.secrets, data),
      secret: true,
      origin: SOPS_MANIFEST,
    });
  }
  const known = new Set(files.map((f) => f.path));
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) known.add(parts.slice(0, i).join("/"));
  }
  for (const d of drafts) {
    for (const ref of escapingReferences(d.text)) {
      problems.push(problem("error", `${ref} leaves the service folder`, {
        file: d.source,
        line: lineContaining(d.sourceText, ref),
        service: name,
        hint: "Reference only files inside the service folder",
      }));
    }
    for (const ref of serviceDirReferences(d.text)) {
      if (!ref.split("/").includes("..") && !known.has(ref)) {
        problems.push(problem("error", `\${SERVICE_DIR}/${ref} is not a file of ${dir}/`, {
          file: d.source,
          line: lineContaining(d.sourceText, `\${SERVICE_DIR}/${ref}`),
          service: name,
          hint: `Add ${dir}/${ref} or fix the path`,
        }));
      }
    }
  }
  if (problems.some((p) => p.level === "error")) return blocked();

  const labelled = (d: UnitDraft, labels: string[]) =>
    d.type === "container" ? injectAfterHeader(d.text, "Container", labels) : d.text;
  const serviceLabel = `Label=${SERVICE_LABEL}=${name}`;
  const inputs: Record<string, string> = {};
  const parts: [string, Uint8Array | string][] = [];
  let hostUsed = false;
  for (const d of drafts) {
    const text = labelled(d, [serviceLabel]);
    parts.push([`unit:${d.path}`, text]);
    inputs[d.source.slice(dir.length + 1)] = sha256Hex(text);
    hostUsed ||= usesHostDir(text);
  }
  for (const f of files) {
    // secrets count by their keyed digest, so neither the hash label nor the state DB can be
    // used to test guesses of a secret
    parts.push([`file:${f.path}`, f.secret ? f.digest : f.data]);
    inputs[f.origin ?? f.path] = f.digest;
  }
  if (hostUsed) {
    parts.push(["host", ctx.hostHash]);
    inputs["${HOST_DIR}"] = ctx.hostHash;
  }
  const hash = hashParts(parts).slice(0, 16);
  const copyDir = serviceCopyDir(ctx.stateDir, name, hash);
  const values = { SERVICE_DIR: copyDir, HOST_DIR: ctx.hostDir, SERVICE: name, HASH: hash };
  const units: DesiredUnit[] = drafts.map((d) => {
    const content = applyTemplate(
      labelled(d, [serviceLabel, `Label=${HASH_LABEL}=${hash}`]),
      values,
    );
    const own = unitEntries(content).filter((e) => e.section === TYPE_SECTION[d.type]);
    const serviceName = own.findLast((e) => e.key === "ServiceName")?.value;
    const inPod = d.type === "container" && own.some((e) => e.key === "Pod");
    return {
      path: d.path,
      type: d.type,
      serviceUnit: generatedServiceName(d.fileName, d.type, serviceName),
      entry: (d.type === "container" && !inPod) || d.type === "pod" || d.type === "kube",
      content,
      source: d.source,
      keyLines: d.keyLines,
    };
  });
  const secretNames = drafts.flatMap((d) => d.secretEnv?.names ?? []);
  return {
    name,
    hash,
    dir: copyDir,
    units,
    files,
    inputs,
    dependsOn: [],
    problems,
    ...(secretNames.length > 0 ? { secretNames } : {}),
  };
}

function manifestDraft(
  text: string,
  file: string,
  sopsFile: string | undefined,
  name: string,
  ctx: ServiceContext,
  problems: Problem[],
): UnitDraft | undefined {
  const before = problems.length;
  const failed = () => problems.slice(before).some((p) => p.level === "error");
  if (text === "") {
    // manifest.sops.yml alone: it may only hold secret environment values, so there is no unit
    problems.push(problem("error", `${MANIFEST} is missing next to ${SOPS_MANIFEST}`, {
      file: sopsFile,
      service: name,
      hint:
        `Put the unit in ${MANIFEST}; ${SOPS_MANIFEST} only adds secret Container.Environment values`,
    }));
    return undefined;
  }
  const plain = parseManifestSections(text, file, name);
  problems.push(...plain.problems);
  const secret = sopsFile === undefined
    ? undefined
    : secretEnvironment(sopsFile, name, ctx, problems);
  if (failed() || !plain.sections) return undefined;
  const { manifest, problems: found } = manifestOf(plain.sections, file, name);
  problems.push(...found);
  if (!manifest) return undefined;
  for (const section of plain.sections) {
    for (const e of section.entries) {
      if (e.values.some((v) => setsReservedLabel(e.key, v))) {
        problems.push(reservedLabelProblem(file, e.line, name));
      }
    }
  }
  const plainNames = new Set(
    plain.sections.filter((s) => s.name === "Container").flatMap((s) => s.entries)
      .filter((e) => e.key === "Environment")
      .flatMap((e) => e.values.flatMap((v) => splitWords(v).map((w) => w.split("=")[0]!))),
  );
  for (const n of secret?.names ?? []) {
    if (plainNames.has(n)) {
      problems.push(problem("error", `${n} is set in both ${MANIFEST} and ${SOPS_MANIFEST}`, {
        file: sopsFile,
        service: name,
        hint: `Keep ${n} in one of them`,
      }));
    }
  }
  if (failed()) return undefined;
  const sections = plain.sections.map((s) => ({
    name: s.name,
    lines: s.entries.flatMap((e) => e.values.map((v) => [e.key, v] as const)),
  }));
  if (secret) {
    const container = sections.find((s) => s.name === "Container");
    if (!container) {
      problems.push(
        problem(
          "error",
          `${SOPS_MANIFEST} adds environment values, but ${MANIFEST} has no Container`,
          {
            file: sopsFile,
            service: name,
          },
        ),
      );
      return undefined;
    }
    container.lines.push(["EnvironmentFile", `\${SERVICE_DIR}/${SECRET_ENV_FILE}`]);
  }
  if (!sections.some((s) => s.name === "Install")) {
    sections.push({
      name: "Install",
      lines: [["WantedBy", ctx.mode === "system" ? "multi-user.target" : "default.target"]],
    });
  }
  const ext = manifest.type;
  const fileName = `${ctx.prefix}${name}.${ext}`;
  return {
    path: fileName,
    fileName,
    type: ext,
    text: renderUnitText(sections),
    source: file,
    sourceText: text,
    ...(secret ? { secretEnv: secret } : {}),
    keyLines: firstLines(
      plain.sections.flatMap((sec) =>
        sec.entries.map((e) => [`${sec.name}.${e.key}`, e.line] as const)
      ),
    ),
  };
}

function rawDraft(
  text: string,
  file: string,
  fileName: string,
  name: string,
  ctx: ServiceContext,
  problems: Problem[],
): UnitDraft | undefined {
  const type = unitTypeOf(fileName)!;
  const before = problems.length;
  if (!UNIT_FILE_NAME.test(fileName)) {
    problems.push(
      problem("error", `unit file name ${JSON.stringify(fileName)} is not a plain name`, {
        file,
        service: name,
        hint: "Use letters, digits, '_', '.' and '-' (template units with '@' are not supported)",
      }),
    );
  }
  const section = TYPE_SECTION[type];
  if (!unitSections(text).some((s) => s.name === section)) {
    problems.push(
      problem("error", `a .${type} file needs a [${section}] section`, { file, service: name }),
    );
  }
  for (const e of unitEntries(text)) {
    if (setsReservedLabel(e.key, e.value)) problems.push(reservedLabelProblem(file, e.line, name));
  }
  if (problems.length > before) return undefined;
  return {
    path: `${ctx.prefix}${name}/${fileName}`,
    fileName,
    type,
    text,
    source: file,
    sourceText: text,
    keyLines: firstLines(unitEntries(text).map((e) => [`${e.section}.${e.key}`, e.line] as const)),
  };
}

/** `Section.Key` → the first line it appears on. */
function firstLines(
  pairs: readonly (readonly [string, number | undefined])[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, line] of pairs) if (line !== undefined && !(key in out)) out[key] = line;
  return out;
}

function lineContaining(text: string, needle: string): number | undefined {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  return i < 0 ? undefined : i + 1;
}
