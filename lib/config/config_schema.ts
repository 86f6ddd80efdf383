/**
 * The zod schema of the agent config's TOML: every table and key hoist knows, each with the check
 * that gives its message. `load_config.ts` validates the parsed text with it and fills the
 * defaults; the sections' own schemas come from their files (`serve_config.ts`…).
 *
 * @module
 */
import { z } from "zod";
import { registrySchema } from "./registries_config.ts";
import { imagesSchema } from "./images_config.ts";
import { metricsSchema, parseDuration, serveSchema } from "./serve_config.ts";
import { notifySchema } from "./notify_config.ts";
import { composeSchema } from "./compose_config.ts";
import { remoteSchema } from "./remote_config.ts";
import { proxySchema } from "./proxy_config.ts";
import { rolloutSchema } from "./rollout_config.ts";
import { stateSchema } from "./state_config.ts";
import { composeFileSchema, serviceOptionsSchema } from "./service_options.ts";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const BRANCH = /^[A-Za-z0-9][A-Za-z0-9_./-]*$/;
const absolute = z.string().startsWith("/", "must be an absolute path");

const sourceSchema = z.strictObject({
  name: z.string().regex(NAME, "must be a plain name").optional(),
  url: z.string().min(1, "must not be empty").refine(
    // user:password@ anywhere, and any user@ in http(s) URLs (a token passed as the user name)
    (u) => !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(u) && !/^https?:\/\/[^/@]*@/i.test(u),
    "must not contain credentials; put an https token in token_file",
  ),
  branch: z.string().regex(BRANCH, "must be a branch name").optional(),
  branches: z.array(z.string().regex(NAME, "must be a branch named like a service")).min(
    1,
    "must not be empty",
  )
    .optional(),
  path: z.string().regex(/^[A-Za-z0-9_./-]*$/, "must be a relative folder").refine(
    (p) => !p.startsWith("/") && !p.split("/").includes(".."),
    "must stay inside the repository",
  ).optional(),
  layout: z.enum(["hosts", "services"]).optional(),
  services: z.array(z.string().regex(NAME, "must be a service folder name")).min(
    1,
    "must not be empty (leave it out to deploy every service folder)",
  ).optional(),
  service: z.string().regex(NAME, "must be a plain service name").optional(),
  compose: composeFileSchema.optional(),
  ssh_key: absolute.optional(),
  ssh_known_hosts: absolute.optional(),
  token_file: absolute.optional(),
  webhook_secret_file: absolute.optional(),
  timeout: z.string().refine((t) => (parseDuration(t) ?? 0) >= 1000, {
    message: 'must be a duration of at least 1s, like "60s" or "5m"',
  }).optional(),
}).refine((s) => s.branch === undefined || s.branches === undefined, {
  message: "set either branch (host folders) or branches (one branch per service), not both",
}).refine((s) => s.service === undefined || (s.branches ?? s.layout ?? s.path) === undefined, {
  message:
    'service = "<name>" is a repository holding that one service at its root: leave out branches, layout and path',
  path: ["service"],
}).refine((s) => s.layout !== "services" || s.branches === undefined, {
  message: 'layout = "services" reads service folders of one branch: use branch, not branches',
  path: ["layout"],
}).refine((s) => s.layout !== "services" || s.path !== "", {
  message: 'layout = "services" needs the folder of the service folders: path = "services"',
  path: ["path"],
}).refine((s) => s.services === undefined || s.layout === "services", {
  message: 'services = [...] selects folders of a layout = "services" source',
  path: ["services"],
}).refine((s) => s.token_file === undefined || s.url.startsWith("https://"), {
  message:
    "token_file needs an https:// url (over http:// the token would cross the network unencrypted); " +
    "use the server's https:// URL, or remove token_file",
  path: ["token_file"],
});

/** The whole agent config as written: keys in TOML's snake_case, no defaults filled in. */
export const configSchema = z.strictObject({
  host: z.string().regex(NAME, "must be a plain host name").optional(),
  mode: z.enum(["user", "system"]).optional(),
  quadlet_dir: absolute.optional(),
  state_dir: absolute.optional(),
  unit_prefix: z.string().regex(
    /^[A-Za-z0-9_.-]*$/,
    "may only hold letters, digits, '_', '.' and '-'",
  )
    .optional(),
  keep_copies: z.number().int().min(0).max(100).optional(),
  quadlet_bin: absolute.optional(),
  source: sourceSchema.optional(),
  sources: z.array(sourceSchema).min(1, "must list at least one source").optional(),
  services: serviceOptionsSchema.optional(),
  compose: composeSchema.optional(),
  secrets: z.strictObject({
    env: z.record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a variable name"),
      z.string(),
    ).default({}),
    env_files: z.array(absolute).default([]),
    host_dirs: z.record(
      z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a folder name").refine(
        (n) => n !== "." && n !== "..",
        "must be a folder name",
      ),
      absolute,
    ).default({}),
  }).optional(),
  trust: z.strictObject({
    require_signed: z.boolean().optional(),
    gpg_keys: z.array(absolute).default([]),
    allowed_signers: absolute.optional(),
    verify: z.enum(["tip", "all"]).default("tip"),
    allow_rollback: z.boolean().default(false),
  }).optional(),
  registries: z.array(registrySchema).optional(),
  images: imagesSchema.optional(),
  serve: serveSchema.optional(),
  metrics: metricsSchema.optional(),
  notify: z.array(notifySchema).optional(),
  remote: remoteSchema.optional(),
  rollout: rolloutSchema.optional(),
  state: stateSchema.optional(),
  proxy: proxySchema.optional(),
});
