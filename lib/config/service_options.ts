/**
 * The `[services.<name>]` tables of the agent config → {@link ServiceOptions}: per-service
 * settings for layouts that have no `config.yml` (`layout = "services"`, per-service
 * repositories). Pure; `load_config.ts` puts the schema in its own.
 *
 * @module
 */
import { z } from "zod";

/** One service's settings from the agent config. */
export interface ServiceOptions {
  /** Shell script run before the service's units start (`pre = "mkdir -p /srv/x"`). */
  readonly pre?: string;
  /** Shell script run after its units started. */
  readonly post?: string;
  /** The compose file to read instead of `compose.yaml` and its variants. */
  readonly compose?: string;
}

const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** A file name at the top of the service folder. */
const FILE_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]+$/;

/** `compose = "file.yml"`: a file name at the top of a service folder. */
export const composeFileSchema = z.string().regex(
  FILE_NAME,
  "must be a file name in the service folder",
);

/** The schema of `[services]`: service name → its table. */
export const serviceOptionsSchema = z.record(
  z.string().regex(SERVICE, "must be a plain service name"),
  z.strictObject({
    pre: z.string().min(1, "must not be empty").optional(),
    post: z.string().min(1, "must not be empty").optional(),
    compose: composeFileSchema.optional(),
  }),
);

/** `[services]` as parsed → options by service name, sorted, without unset keys. */
export function serviceOptions(
  parsed: z.infer<typeof serviceOptionsSchema> | undefined,
): Readonly<Record<string, ServiceOptions>> {
  const out: Record<string, ServiceOptions> = {};
  for (const [name, o] of Object.entries(parsed ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[name] = {
      ...(o.pre === undefined ? {} : { pre: o.pre }),
      ...(o.post === undefined ? {} : { post: o.post }),
      ...(o.compose === undefined ? {} : { compose: o.compose }),
    };
  }
  return out;
}
