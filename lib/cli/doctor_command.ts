/**
 * `hoist doctor [--json]`: every check with its verdict and fix; exit 1 when any is an error.
 *
 * @module
 */
import { defaultConfigPath, parseConfig } from "../config/load_config.ts";
import { doctorExitCode } from "../doctor/doctor_checks.ts";
import { doctorJson, doctorText } from "../doctor/doctor_text.ts";
import { HoistError } from "../errors.ts";
import { type LoadedConfig, runDoctor } from "../run/doctor_run.ts";
import type { CommandContext } from "./context.ts";

/** Where the config is, read and parsed; a problem is the config check's verdict, not thrown. */
export async function loadForDoctor(
  { io, globals }: Pick<CommandContext, "io" | "globals">,
): Promise<{ file: string; config: LoadedConfig }> {
  const file = globals.config ?? io.ctx.env.HOIST_CONFIG ?? defaultConfigPath(io.ctx);
  try {
    const text = await io.readFile(file);
    if (text === undefined) {
      return {
        file,
        config: {
          ok: false,
          message: `no config file at ${file}`,
          hint: "hoist init writes one; or pass --config FILE (or set HOIST_CONFIG)",
        },
      };
    }
    return { file, config: { ok: true, value: parseConfig(text, file, io.ctx) } };
  } catch (e) {
    const hint = e instanceof HoistError ? e.hint : undefined;
    const message = e instanceof HoistError
      ? e.message
      : `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`;
    return { file, config: { ok: false, message, ...(hint ? { hint } : {}) } };
  }
}

/** Runs the checks and prints them; returns 0 when none is an error, else 1. */
export async function doctorCommand(
  ctx: CommandContext,
  opts: { readonly json: boolean },
): Promise<number> {
  const { file, config } = await loadForDoctor(ctx);
  const mode = config.ok ? config.value.mode : ctx.io.ctx.uid === 0 ? "system" : "user";
  const deps = await ctx.makeDeps({
    mode,
    quadletBin: config.ok ? config.value.quadletBin : undefined,
  });
  const results = await runDoctor(deps, file, config, ctx.io.ctx);
  ctx.io.out(opts.json ? doctorJson(results) : doctorText(results, ctx.io.color));
  return doctorExitCode(results);
}
