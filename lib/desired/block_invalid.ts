/**
 * Turns the generator's verdicts into problems: a service with a rejected unit is blocked.
 *
 * @module
 */
import { blockService } from "./block_service.ts";
import type { DesiredService, DesiredState } from "./types.ts";
import { problem } from "../errors.ts";

/** Blocks every service owning a file named in `errors` (file name → generator message). Pure. */
export function blockInvalid(
  desired: DesiredState,
  errors: ReadonlyMap<string, string>,
): DesiredState {
  if (errors.size === 0) return desired;
  const services = desired.services.map((s): DesiredService => {
    if (s.status === "blocked") return s;
    const bad = s.units.filter((u) => errors.has(u.path.split("/").pop()!));
    if (bad.length === 0) return s;
    return blockService(
      s,
      ...bad.map((u) =>
        problem("error", `quadlet rejects ${u.path}: ${errors.get(u.path.split("/").pop()!)}`, {
          file: u.source,
          line: generatorLine(errors.get(u.path.split("/").pop()!) ?? "", u.keyLines),
          service: s.name,
          hint: "Fix the unit; the version deployed before keeps running",
        })
      ),
    );
  });
  return { ...desired, services };
}

/** The source line of the key the generator names (`unsupported key 'Foo' in group 'Container'`). */
export function generatorLine(
  message: string,
  keyLines: Readonly<Record<string, number>> | undefined,
): number | undefined {
  const m = /key '([^']+)' in group '([^']+)'/.exec(message);
  return m ? keyLines?.[`${m[2]}.${m[1]}`] : undefined;
}
