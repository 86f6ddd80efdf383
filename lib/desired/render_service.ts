/**
 * Checked drafts and files → a {@link ReadyService}: hoist's labels injected, the content hash
 * taken, placeholders filled in.
 *
 * @module
 */
import type { Problem } from "../errors.ts";
import { canonicalUnit, hashParts, sha256Hex } from "./digest.ts";
import { HASH_LABEL, SERVICE_LABEL, UNIT_HASH_LABEL } from "./labels.ts";
import { generatedServiceName, TYPE_SECTION } from "./quadlet_names.ts";
import type { ServiceFolder } from "./service_context.ts";
import { applyTemplate, type TemplateValues, usesHostDir } from "./template.ts";
import type { DesiredFile, DesiredUnit, ReadyService, UnitGroup } from "./types.ts";
import type { UnitDraft } from "./unit_draft.ts";
import { keyInputName, unitGroups } from "./unit_groups.ts";
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
  const groups = unitGroups(folder, drafts, files);
  const units = drafts.map((d) =>
    renderUnit(
      d,
      labels,
      values,
      d.composeService === undefined ? undefined : groups.get(d.composeService),
    )
  );
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
    const rel = d.source.slice(dir.length + 1);
    // a compose file's units are named key by key (`compose.yaml services.web.image`), so that a
    // plan says which key of which compose service changed
    if (d.byKey === undefined) inputs[rel] = sha256Hex(text);
    for (const [key, lines] of Object.entries(d.byKey ?? {})) {
      inputs[keyInputName(rel, key)] = sha256Hex(lines);
    }
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

/**
 * The final unit: labels injected (containers only; a compose service's also get its own hash,
 * {@link UNIT_HASH_LABEL}), placeholders filled in.
 */
function renderUnit(
  d: UnitDraft,
  labels: readonly string[],
  values: TemplateValues,
  group: UnitGroup | undefined,
): DesiredUnit {
  const own = group ? [...labels, `Label=${UNIT_HASH_LABEL}=${group.hash}`] : labels;
  const content = applyTemplate(labelled(d, own), values);
  const typed = unitEntries(content).filter((e) => e.section === TYPE_SECTION[d.type]);
  const serviceName = typed.findLast((e) => e.key === "ServiceName")?.value;
  const inPod = d.type === "container" && typed.some((e) => e.key === "Pod");
  return {
    path: d.path,
    type: d.type,
    serviceUnit: generatedServiceName(d.fileName, d.type, serviceName),
    entry: (d.type === "container" && !inPod) || d.type === "pod" || d.type === "kube",
    content,
    source: d.source,
    keyLines: d.keyLines,
    ...(group ? { group } : {}),
  };
}

/** The draft's text with `labels` after its `[Container]` header; other types are unlabelled. */
function labelled(d: UnitDraft, labels: readonly string[]): string {
  return d.type === "container" ? injectAfterHeader(d.text, "Container", labels) : d.text;
}
