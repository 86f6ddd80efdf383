/**
 * Where hoist looks for its agent config when neither `--config` nor `HOIST_CONFIG` names one (a
 * module of its own, so that finding the file loads none of the config parser).
 *
 * @module
 */

/** The default config file: `/etc/hoist/config.toml` as root, else `$XDG_CONFIG_HOME/hoist/config.toml`. */
export function defaultConfigPath(ctx: {
  readonly uid: number;
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}): string {
  if (ctx.uid === 0) return "/etc/hoist/config.toml";
  return `${ctx.env.XDG_CONFIG_HOME || `${ctx.home}/.config`}/hoist/config.toml`;
}
