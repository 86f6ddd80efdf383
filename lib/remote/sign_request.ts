/**
 * {@link signRequest}: the client's half of the remote signature: the headers for one request,
 * given the time, a fresh nonce and a signer (`ssh-keygen -Y sign -n hoist-remote`).
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import { bodyDigest, canonicalRequest, HEADERS, signatureHeader } from "./canonical.ts";

/** Signs the canonical text; returns ssh-keygen's armored signature. */
export type Signer = (message: string) => Promise<string>;

/**
 * The three signature headers for `method url` with `body`.
 *
 * @example
 * ```ts
 * await signRequest("GET", new URL("http://pi:9321/api/v1/services/web/ping"), new Uint8Array(),
 *   { nowMs: Date.now(), nonce: "k3J…", sign });
 * // { "x-hoist-timestamp": "1796163045", "x-hoist-nonce": "k3J…", "x-hoist-signature": "U1NIU0lH…" }
 * ```
 */
export async function signRequest(
  method: string,
  url: URL,
  body: Uint8Array,
  ctx: { readonly nowMs: number; readonly nonce: string; readonly sign: Signer },
): Promise<Record<string, string>> {
  const timestamp = Math.floor(ctx.nowMs / 1000);
  const message = canonicalRequest({
    method,
    path: url.pathname,
    query: url.searchParams,
    timestamp,
    nonce: ctx.nonce,
    bodySha256: bodyDigest(body),
  });
  const armored = await ctx.sign(message);
  const signature = signatureHeader(armored);
  if (signature === undefined) {
    throw new HoistError(
      "command-failed",
      "ssh-keygen -Y sign printed no SSH signature",
      "Check the key with ssh-keygen -y -f KEY",
    );
  }
  return {
    [HEADERS.timestamp]: String(timestamp),
    [HEADERS.nonce]: ctx.nonce,
    [HEADERS.signature]: signature,
  };
}
