/**
 * Several sources → one desired state. Pure.
 *
 * @module
 */
import { blockService } from "./block_service.ts";
import { problem } from "../errors.ts";
import { finishServices } from "./finish_services.ts";
import type { DesiredService, DesiredState } from "./types.ts";

/**
 * Merges the desired states read from each source (in config order). A service defined by two
 * sources is blocked in both, with an error naming both; unit name clashes across sources block
 * both sides too; dependencies are linked across sources.
 */
export function mergeDesired(
  parts: readonly { source: string; desired: DesiredState }[],
): DesiredState {
  const first = parts[0]?.desired;
  if (parts.length === 1 && first) return first;
  const owners = new Map<string, string[]>();
  for (const { source, desired } of parts) {
    for (const s of desired.services) owners.set(s.name, [...(owners.get(s.name) ?? []), source]);
  }
  const services: DesiredService[] = [];
  for (const { source, desired } of parts) {
    for (const s of desired.services) {
      const by = owners.get(s.name) ?? [source];
      if (by.length === 1) {
        services.push(s);
        continue;
      }
      services.push(blockService(
        s,
        problem("error", `service ${s.name} is defined by sources ${by.join(" and ")}`, {
          file: desired.root,
          service: s.name,
          hint: `Keep ${s.name} in one source only (this one is ${source})`,
        }),
      ));
    }
  }
  const merged = finishServices(
    services.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  );
  // A name defined twice appears twice above; keep one blocked entry per name.
  const unique = merged.filter((s, i) => merged.findIndex((o) => o.name === s.name) === i);
  return {
    revision: parts.map((p) => `${p.source}@${p.desired.revision.slice(0, 12)}`).join(","),
    host: first?.host ?? "",
    root: first?.root ?? "",
    services: unique,
    hosts: parts.flatMap((p) => p.desired.hosts),
    problems: parts.flatMap((p) => p.desired.problems),
  };
}
