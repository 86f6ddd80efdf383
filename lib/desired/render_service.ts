/**
 * Checked drafts and files → a {@link ReadyService}: hoist's labels injected, the content hash
 * taken, placeholders filled in.
 *
 * @module
 */
import type { Problem } from "../errors.ts";
import { canonicalUnit, hashParts, sha256Hex } from "./digest.ts";
import { HASH_LABEL, SERVICE_LABEL } from "./labels.ts";
import { generatedServiceName, TYPE_SECTION } from "./quadlet_names.ts";
import type { ServiceFolder } from "./service_context.ts";
import { applyTemplate, type TemplateValues, usesHostDir } from "./template.ts";
import type { DesiredFile, DesiredUnit, ReadyService } from "./types.ts";
import type { UnitDraft } from "./unit_draft.ts";
import { injectAfterHeader, unitEntries } from "./unit_text.ts";

/** Where immutable copies of a service's files live. */
export function serviceCopyDir(stateDir: string, service: string, hash: string): string {
  return `${stateDir}/services/${service}/${hash}`;
}

/**
 * The service ready to deploy, from drafts and files without errors; `problems` (warnings) are
 * kept. The hash covers the units with the service label (in their canonical form,
 * {@link canonicalUnit}), the files (secrets by keyed digest) and, when a unit uses
 * `${HOST_DIR}`, the host folder. `legacyHash` is the same service under hash scheme 1 (the unit
 * text as written), so that a host deployed by an older hoist is not restarted for the new scheme.
 *
 * @example
 * ```ts
 * const service = renderService(folder, drafts, files, warnings);
 * service.units[0]?.content; // "[Container]\nLabel=gitops-service=web\nLabel=gitops-hash=…"
 * ```
 */
export function renderService(
  folder: ServiceFolder,
  drafts: readonly UnitDraft[],
  files: readonly DesiredFile[],
  problems: readonly Problem[],
): ReadyService {
  const { name, ctx } = folder;
  const serviceLabel = `Label=${SERVICE_LABEL}=${name}`;
  const { hash, inputs } = serviceHash(folder, drafts, files, serviceLabel, "canonical");
  const legacyHash = serviceHash(folder, drafts, files, serviceLabel, "text").hash;
  const dir = serviceCopyDir(ctx.stateDir, name, hash);
  const values = { SERVICE_DIR: dir, HOST_DIR: ctx.hostDir, SERVICE: name, HASH: hash };
  const labels = [serviceLabel, `Label=${HASH_LABEL}=${hash}`];
  const units = drafts.map((d) => renderUnit(d, labels, values));
  const secretNames = drafts.flatMap((d) => d.secretEnv?.names ?? []);
  return {
    status: "ready",
    name,
    hash,
    legacyHash,
    dir,
    units,
    files,
    inputs,
    dependsOn: [],
    problems,
    ...(secretNames.length > 0 ? { secretNames } : {}),
  };
}

/**
 * How units enter the hash: `canonical` (scheme 2, the effective configuration) or `text`
 * (scheme 1, the unit as written: moving a key changed the hash).
 */
type HashScheme = "canonical" | "text";

/** The 16-digit content hash, and the digest of each input (to explain what changed). */
function serviceHash(
  { dir, ctx }: ServiceFolder,
  drafts: readonly UnitDraft[],
  files: readonly DesiredFile[],
  serviceLabel: string,
  scheme: HashScheme,
): { hash: string; inputs: Record<string, string> } {
  const inputs: Record<string, string> = {};
  const parts: [string, Uint8Array | string][] = [];
  let hostUsed = false;
  for (const d of drafts) {
    const written = labelled(d, [serviceLabel]);
    const text = scheme === "canonical" ? canonicalUnit(written) : written;
    parts.push([`unit:${d.path}`, text]);
    inputs[d.source.slice(dir.length + 1)] = sha256Hex(text);
    hostUsed ||= usesHostDir(written);
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
  return { hash: hashParts(parts).slice(0, 16), inputs };
}

/** The final unit: labels injected (containers only), placeholders filled in. */
function renderUnit(d: UnitDraft, labels: readonly string[], values: TemplateValues): DesiredUnit {
  const content = applyTemplate(labelled(d, labels), values);
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
}

/** The draft's text with `labels` after its `[Container]` header; other types are unlabelled. */
function labelled(d: UnitDraft, labels: readonly string[]): string {
  return d.type === "container" ? injectAfterHeader(d.text, "Container", labels) : d.text;
}
