/**
 * What a registry host looks like (a module of its own, so that image code checking one loads
 * none of the config parser).
 *
 * @module
 */

/** A registry host with an optional port: no scheme, no path. */
export const REGISTRY_HOST =
  /^(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?$/;
