/**
 * {@link parseImageRef}: an image reference as podman and the registries read it, checked strictly
 * because it comes from the repository. Pure.
 *
 * Grammar (distribution's reference grammar, the parts hoist needs):
 * `[registry[:port]/]path[:tag][@sha256:<64 hex>]`; the registry is the first path component
 * when it has a `.` or `:` or is `localhost`.
 *
 * @module
 */

import { REGISTRY_HOST } from "../config/registry_host.ts";

/** A parsed reference. */
export interface ImageRef {
  /** As written. */
  readonly text: string;
  /** `ghcr.io`, `127.0.0.1:5000`; undefined for a short name (`redis:7`). */
  readonly registry: string | undefined;
  /** `acme/web`, `library/redis`. */
  readonly path: string;
  readonly tag: string | undefined;
  /** `sha256:…`; when both are written, the digest is what runs and the tag is only shown. */
  readonly digest: string | undefined;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/**
 * Parses `text`; a string says what is wrong.
 *
 * @example
 * ```ts
 * parseImageRef("ghcr.io/acme/web:1.4@sha256:" + "a".repeat(64));
 * // { registry: "ghcr.io", path: "acme/web", tag: "1.4", digest: "sha256:aaa…", text: … }
 * ```
 */
export function parseImageRef(text: string): ImageRef | string {
  if (text === "") return "the image reference is empty";
  if (text.length > 512) return "the image reference is longer than 512 characters";
  // deno-lint-ignore no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(text)) {
    return "the image reference contains whitespace or a control character";
  }
  if (/[$`(){};|&<>"'\\]/.test(text)) {
    return "the image reference contains shell or quoting characters";
  }
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      return `the digest ${digest} is not sha256: and 64 lowercase hex digits`;
    }
  }
  const parts = rest.split("/");
  const first = parts[0] ?? "";
  const hasRegistry = parts.length > 1 && (/[.:]/.test(first) || first === "localhost");
  const registry = hasRegistry ? first : undefined;
  if (registry !== undefined && !REGISTRY_HOST.test(registry)) {
    return `${registry} is not a registry host`;
  }
  const pathParts = hasRegistry ? parts.slice(1) : parts;
  let tag: string | undefined;
  const last = pathParts[pathParts.length - 1] ?? "";
  const colon = last.lastIndexOf(":");
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    pathParts[pathParts.length - 1] = last.slice(0, colon);
    if (!TAG.test(tag)) return `the tag ${tag || "(empty)"} is not a valid tag`;
  }
  if (pathParts.length === 0 || pathParts.some((p) => !COMPONENT.test(p))) {
    return `${
      pathParts.join("/") || "(empty)"
    } is not a repository path (lowercase letters, digits, . _ - between them)`;
  }
  return { text, registry, path: pathParts.join("/"), tag, digest };
}

/** True when podman would not have to guess a registry for `ref` (what `auto` updates need). */
export function isFullyQualified(ref: ImageRef): boolean {
  return ref.registry !== undefined;
}

/** The registry host credentials are looked up by: `docker.io` for Docker Hub's names. */
export function registryOf(ref: ImageRef): string | undefined {
  return ref.registry === "index.docker.io" ? "docker.io" : ref.registry;
}
