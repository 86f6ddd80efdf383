/**
 * {@link convertProject}: the project of a compose file (with the files it includes) → its units:
 * services merged across the parts and converted one by one, then the networks and volumes they
 * declare. Pure; `convert_compose.ts` reads the file and calls it.
 *
 * @module
 */
import type { UnitType } from "../types.ts";
import { renderUnitText } from "../unit_text.ts";
import { unitRuleProblems } from "../unit_rules.ts";
import type { EnvCopy, ObjectFile } from "./compose_paths.ts";
import type { CEntry, CNode } from "./compose_tree.ts";
import { policyProblems } from "./compose_policy.ts";
import { convertService } from "./convert_service.ts";
import { resolveExtends } from "./extends.ts";
import { includedParts, mergeByKey, networksOf, objectsOf, type Part } from "./include.ts";
import type { Lookup } from "./interpolate.ts";
import { field, keyPath } from "./nodes.ts";
import type { ProjectNames } from "./project_names.ts";
import { declaredFiles } from "./file_objects.ts";
import { declaredResources, networkUnit, volumeUnit } from "./project_resources.ts";
import { activeServices, serviceNames } from "./project_services.ts";
import type { ServiceCtx } from "./service_ctx.ts";
import { waitedFor } from "./waited_for.ts";
import type { HealthSettings } from "../health_settings.ts";
import { type ServiceHoist, serviceHoist } from "./service_hoist.ts";
import { imagePolicies } from "./image_policies.ts";
import type { UpdatePolicy } from "../../images/update_policy.ts";
import { type Diagnostics, UnitBuilder } from "./unit_builder.ts";
import { checkTopKey } from "./check_top_key.ts";
import type { ComposeInput, ComposeUnit, DeployOnlySetting } from "./compose_input.ts";

/** The keys of a compose service's `x-hoist` that act only when hoist deploys it. */
const DEPLOY_ONLY_KEYS = new Set(["health", "images"]);

/**
 * Converts the project named `project` of a compose file whose top level is `root`: checks each
 * part's top-level keys, merges services, networks, volumes, secrets and configs across the parts
 * (`include:`), converts each active service to a `.container` (plus what it adds, such as a
 * `.build`), and renders one `.network` per used network and one `.volume` per named volume.
 * Problems go into `d`; the units come out with the `x-hoist` settings that act only on deploy.
 */
export function convertProject(
  d: Diagnostics,
  root: CNode & { kind: "map" },
  project: string,
  input: ComposeInput,
  lookup: Lookup,
): { units: ComposeUnit[]; deployOnly: DeployOnlySetting[] } {
  const offline = input.offline ?? false;
  const parts = includedParts({ d, root, paths: input.paths }, {
    lookup,
    offline,
    ...(input.service ? { service: input.service } : {}),
  });
  for (const part of parts) for (const e of part.root.entries) checkTopKey(part.d, e);
  const hoist = field(root, "x-hoist");
  const services = mergeByKey(
    parts.map((part) => ({
      part,
      items: part === parts[0] || field(part.root, "services")
        ? activeServices(part.d, withExtends(part, field(part.root, "services"), lookup), hoist)
        : [],
    })),
    "services",
  );
  const resources = (kind: "networks" | "volumes") =>
    parts.map((part) => {
      const list = declaredResources(
        part.d,
        kind,
        field(part.root, kind)?.value,
        project,
        input.prefix,
      );
      return kind === "networks" ? networksOf(part, list) : { part, items: list };
    });
  const networks = mergeByKey(resources("networks"), "networks");
  const volumes = mergeByKey(resources("volumes"), "volumes");
  if (input.policy) {
    for (const part of parts) {
      const own = services.filter((s) => s.part === part);
      if (own.length > 0) policyProblems(part.d, own, networks, input.policy);
    }
  }
  const names: ProjectNames = {
    project,
    prefix: input.prefix,
    services: serviceNames(d, services, project, input.prefix),
    networks: new Map(networks.map((r) => [r.key, r.names])),
    volumes: new Map(volumes.map((r) => [r.key, r.names])),
  };
  const objects = { lookup, offline };
  const declaredOf = (kind: "secrets" | "configs") =>
    new Map(
      mergeByKey(
        parts.map((part) => ({
          part,
          items: objectsOf(
            part,
            declaredFiles(part.d, kind, field(part.root, kind)?.value, objects),
          ),
        })),
        kind,
      ).map((o) => [o.key, o.object]),
    );
  const declared = { secrets: declaredOf("secrets"), configs: declaredOf("configs") };
  const shared = {
    healthy: new Set<string>(),
    completed: new Set<string>(),
    usedNetworks: new Set<string>(),
  };
  const deployOnly: DeployOnlySetting[] = [];
  const built = services.map((s) => {
    const c: ServiceCtx = {
      name: s.key,
      path: keyPath("services", s.key),
      unit: new UnitBuilder(s.part.d, keyPath("services", s.key)),
      d: s.part.d,
      names,
      paths: s.part.paths,
      lookup,
      envFiles: [],
      objects: [],
      extra: [],
      ...shared,
    };
    let hoist: ServiceHoist = {};
    if (s.value.kind === "map") {
      convertService({ entries: s.value.entries, line: s.line }, c, declared);
      const own = s.value.entries.find((e) => e.key === "x-hoist");
      if (own !== undefined) hoist = serviceHoist(s.part.d, s.key, own);
      for (const e of own?.value.kind === "map" ? own.value.entries : []) {
        if (!DEPLOY_ONLY_KEYS.has(e.key)) continue;
        const path = keyPath(keyPath(keyPath("services", s.key), "x-hoist"), e.key);
        deployOnly.push({ path, file: s.part.d.file, line: e.line });
      }
    }
    return { s, c, health: hoist.health, written: hoist.images };
  });
  for (const { s, c } of built) waitedFor(c.d, s, c, shared);
  const policies = imagePolicies(built.map(({ s, c, written }) => ({
    name: s.key,
    d: c.d,
    image: c.unit.entries().filter((e) => e.section === "Container" && e.key === "Image").at(-1)
      ?.value,
    ...(written === undefined ? {} : { images: written }),
  })));
  const out: ComposeUnit[] = [];
  const render = (
    part: Part,
    fileName: string,
    type: UnitType,
    unit: UnitBuilder,
    of?: {
      service: string;
      envFiles?: EnvCopy[];
      objects?: ObjectFile[];
      health?: HealthSettings;
      images?: UpdatePolicy;
    },
  ) => {
    const place = { file: part.d.file, service: input.service ?? project, fileName, type };
    d.problems.push(...unitRuleProblems(unit.entries(), place));
    const text = renderUnitText(unit.sections());
    out.push({
      fileName,
      type,
      text,
      keyLines: unit.keyLines(),
      byKey: unit.byKey(),
      ...(of?.envFiles?.length ? { envFiles: of.envFiles } : {}),
      ...(of?.objects?.length ? { objects: of.objects } : {}),
      ...(of ? { composeService: of.service } : {}),
      ...(of?.health === undefined ? {} : { health: of.health }),
      ...(of?.images === undefined ? {} : { images: of.images }),
      ...(part.source ? { source: part.source } : {}),
    });
  };
  for (const { s, c, health } of built) {
    c.unit.add(
      "Install",
      "WantedBy",
      input.mode === "system" ? "multi-user.target" : "default.target",
      s.line,
      c.path,
    );
    const n = names.services.get(s.key);
    const images = policies.get(s.key);
    if (n) {
      render(s.part, `${n.unit}.container`, "container", c.unit, {
        service: s.key,
        envFiles: c.envFiles,
        objects: c.objects,
        ...(health === undefined ? {} : { health }),
        ...(images === undefined ? {} : { images }),
      });
    }
    for (const x of c.extra) render(s.part, x.fileName, x.type, x.unit, { service: s.key });
  }
  for (const r of networks) {
    if (r.names.unit !== undefined && (r.key !== "default" || shared.usedNetworks.has("default"))) {
      render(r.part, `${r.names.unit}.network`, "network", networkUnit(r.part.d, r));
    }
  }
  for (const r of volumes) {
    if (r.names.unit !== undefined) {
      render(r.part, `${r.names.unit}.volume`, "volume", volumeUnit(r.part.d, r));
    }
  }
  return { units: out, deployOnly };
}

/**
 * The `services:` entry with each service's `extends` merged in (from the same file, or from
 * another compose file of the service folder).
 */
function withExtends(part: Part, services: CEntry | undefined, lookup: Lookup): CEntry | undefined {
  if (services === undefined || services.value.kind !== "map") return services;
  return {
    ...services,
    value: {
      ...services.value,
      entries: resolveExtends(part.d, services.value.entries, { paths: part.paths, lookup }),
    },
  };
}
