/**
 * Turns the generator's verdicts into problems: a service with a rejected unit is blocked.
 *
 * @module
 */
import { baseName } from "./base_name.ts";
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
    const bad = s.units.flatMap((u) => {
      const message = errors.get(baseName(u.path));
      return message === undefined ? [] : [{ unit: u, message }];
    });
    if (bad.length === 0) return s;
    return blockService(
      s,
      ...bad.map(({ unit, message }) =>
        problem("error", `quadlet rejects ${unit.path}: ${message}`, {
          file: unit.source,
          line: generatorLine(message, unit.keyLines),
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
