/**
 * The permissions of a pure-core test that parses YAML.
 *
 * Pure code gets no permission at all, with one exception it cannot avoid: the `yaml` package's
 * Node build (the one Deno loads; its browser build is not exported) reads `process.env.LOG_TOKENS`
 * on every token and `process.env.LOG_STREAM` once per document, as debug switches. Without env
 * permission each read throws, so these tests may read exactly those two variables and nothing
 * else; the architecture test checks that no pure test asks for more.
 *
 * @module
 */

/** No permissions but reading yaml's two debug variables. */
export const PURE: Deno.PermissionOptionsObject = {
  env: ["LOG_TOKENS", "LOG_STREAM"],
  read: false,
  write: false,
  net: false,
  run: false,
  ffi: false,
  sys: false,
  import: false,
};
