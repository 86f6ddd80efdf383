/**
 * The request signature of hoist's remote API, as plain data (pure). A client signs
 * {@link canonicalRequest} with `ssh-keygen -Y sign -n hoist-remote` and sends three headers:
 *
 * - `X-Hoist-Timestamp`: unix seconds when it signed;
 * - `X-Hoist-Nonce`: 16–64 characters of `[A-Za-z0-9_-]`, new for every request;
 * - `X-Hoist-Signature`: the armored SSH signature's base64 body on one line (no BEGIN/END lines,
 *   no newlines).
 *
 * The signed text is seven lines, each ending in `\n`:
 *
 * ```
 * hoist-remote-v1
 * POST
 * /api/v1/services/web/restart
 * since=1h&tail=100          (the query, pairs sorted, percent-encoded; empty line when none)
 * 1796163045                 (X-Hoist-Timestamp)
 * Zx3…                       (X-Hoist-Nonce)
 * e3b0c442…                  (sha256 hex of the body; of nothing for a GET)
 * ```
 *
 * The server refuses a request signed more than {@link MAX_AGE_S} seconds ago, or more than
 * {@link MAX_SKEW_S} seconds in the future, and a nonce it saw in that window.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** The `-n` namespace of every signature: a signature made for git (or anything else) never fits. */
export const REMOTE_NAMESPACE = "hoist-remote";

/** First line of the signed text; a later format changes it. */
export const CANONICAL_VERSION = "hoist-remote-v1";

/** How old a signed request may be. */
export const MAX_AGE_S = 60;

/** How far ahead of the server's clock a client's may run. */
export const MAX_SKEW_S = 5;

/** Header names. */
export const HEADERS = {
  timestamp: "x-hoist-timestamp",
  nonce: "x-hoist-nonce",
  signature: "x-hoist-signature",
} as const;

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const BASE64 = /^[A-Za-z0-9+/]{20,8192}={0,2}$/;

/** What the signature covers. */
export interface SignedParts {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly timestamp: number;
  readonly nonce: string;
  /** sha256 hex of the body. */
  readonly bodySha256: string;
}

/** sha256 hex of `bytes`. */
export function bodyDigest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The query as signed: pairs sorted by name then value, each part percent-encoded, joined by `&`.
 *
 * @example
 * ```ts
 * canonicalQuery(new URLSearchParams("tail=5&since=1 h")); // "since=1%20h&tail=5"
 * ```
 */
export function canonicalQuery(query: URLSearchParams): string {
  const pairs = [...query].map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)]);
  pairs.sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : x! > y! ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/**
 * The text the client signs and the server verifies.
 *
 * @example
 * ```ts
 * canonicalRequest({ method: "GET", path: "/api/v1/services/web/ping", query: new URLSearchParams(),
 *   timestamp: 1796163045, nonce: "abcdefghijklmnop", bodySha256: bodyDigest(new Uint8Array()) });
 * // "hoist-remote-v1\nGET\n/api/v1/services/web/ping\n\n1796163045\nabcdefghijklmnop\ne3b0…\n"
 * ```
 */
export function canonicalRequest(p: SignedParts): string {
  return [
    CANONICAL_VERSION,
    p.method.toUpperCase(),
    p.path,
    canonicalQuery(p.query),
    String(p.timestamp),
    p.nonce,
    p.bodySha256,
  ].map((line) => `${line}\n`).join("");
}

/** The three headers, read and checked for shape. */
export type SignatureHeaders =
  | {
    readonly ok: true;
    readonly timestamp: number;
    readonly nonce: string;
    /** The base64 body of the armored signature. */
    readonly signature: string;
  }
  | { readonly ok: false; readonly reason: string };

/** Reads the signature headers of a request; the reason names what is missing or malformed. */
export function readSignatureHeaders(headers: Headers): SignatureHeaders {
  const ts = headers.get(HEADERS.timestamp);
  const nonce = headers.get(HEADERS.nonce);
  const signature = headers.get(HEADERS.signature);
  if (ts === null && nonce === null && signature === null) {
    return {
      ok: false,
      reason: "unsigned: send X-Hoist-Timestamp, X-Hoist-Nonce and X-Hoist-Signature " +
        "(hoist remote does this)",
    };
  }
  if (ts === null || !/^\d{1,12}$/.test(ts)) {
    return { ok: false, reason: "X-Hoist-Timestamp must be unix seconds" };
  }
  if (nonce === null || !NONCE.test(nonce)) {
    return { ok: false, reason: "X-Hoist-Nonce must be 16-64 characters of A-Z a-z 0-9 _ -" };
  }
  if (signature === null || !BASE64.test(signature)) {
    return {
      ok: false,
      reason: "X-Hoist-Signature must be the base64 of an ssh-keygen -Y sign signature",
    };
  }
  return { ok: true, timestamp: Number(ts), nonce, signature };
}

/**
 * Whether a request signed at `timestamp` (unix seconds) is still acceptable at `now` (ms).
 *
 * @example
 * ```ts
 * freshness(1000, 1_061_000); // { ok: false, reason: "the request was signed 61 s ago (at most 60 s)" }
 * ```
 */
export function freshness(
  timestamp: number,
  nowMs: number,
): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const now = Math.floor(nowMs / 1000);
  const age = now - timestamp;
  if (age > MAX_AGE_S) {
    return { ok: false, reason: `the request was signed ${age} s ago (at most ${MAX_AGE_S} s)` };
  }
  if (-age > MAX_SKEW_S) {
    return {
      ok: false,
      reason: `the request is dated ${-age} s in the future (clock skew over ${MAX_SKEW_S} s)`,
    };
  }
  return { ok: true };
}

/** The one-line header value → the armored signature `ssh-keygen -Y verify -s` reads. */
export function armorSignature(base64: string): string {
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 70) lines.push(base64.slice(i, i + 70));
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join("\n")}\n-----END SSH SIGNATURE-----\n`;
}

/** What `ssh-keygen -Y sign` printed → the one-line header value; undefined when it is not one. */
export function signatureHeader(armored: string): string | undefined {
  const m = /-----BEGIN SSH SIGNATURE-----\n([A-Za-z0-9+/=\n]+?)\n?-----END SSH SIGNATURE-----/
    .exec(armored.replace(/\r/g, ""));
  const body = m?.[1]?.replace(/\n/g, "");
  return body !== undefined && BASE64.test(body) ? body : undefined;
}
