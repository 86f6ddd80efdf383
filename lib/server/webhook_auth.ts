/**
 * Who may trigger a run by webhook: a request signed with the shared secret, checked in constant
 * time before anything in it is read. Three provider conventions, one secret:
 *
 * - GitHub, Gitea, Forgejo, Gogs (and seed 001's CI): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256
 *   of the body>` (Gitea/Gogs also send `X-Gitea-Signature`/`X-Gogs-Signature`: the bare hex);
 * - GitLab: `X-Gitlab-Token: <the secret itself>`;
 * - hoist's generic `POST /hooks/<source>`: the same HMAC header.
 *
 * @module
 */

/** What a request proved about itself. */
export type AuthVerdict =
  | { readonly ok: true; readonly provider: "hmac" | "gitlab" }
  | { readonly ok: false; readonly reason: string };

/** The secret, prepared once: the HMAC key and the secret's own digest (for GitLab tokens). */
export interface WebhookSecret {
  readonly hmac: CryptoKey;
  readonly digest: Uint8Array;
}

/** Prepares `secret` (the file's bytes, one trailing newline dropped) for {@link authenticate}. */
export async function webhookSecret(secret: Uint8Array<ArrayBuffer>): Promise<WebhookSecret> {
  const key = trimNewline(secret);
  const hmac = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  return { hmac, digest: new Uint8Array(await crypto.subtle.digest("SHA-256", key)) };
}

const HEX64 = /^[0-9a-f]{64}$/i;

/**
 * Checks the request's signature headers against `body` in constant time. A request that sends
 * none, a malformed one or another algorithm is refused with the reason (never the values).
 *
 * @example
 * ```ts
 * const s = await webhookSecret(new TextEncoder().encode("mysecret"));
 * await authenticate(s, new Headers({ "x-hub-signature-256": "sha256=00" }), new Uint8Array());
 * // { ok: false, reason: "X-Hub-Signature-256 must be sha256= and 64 hex digits" }
 * ```
 */
export async function authenticate(
  secret: WebhookSecret,
  headers: Headers,
  body: Uint8Array<ArrayBuffer>,
): Promise<AuthVerdict> {
  const hub = headers.get("x-hub-signature-256");
  const bare = headers.get("x-gitea-signature") ?? headers.get("x-gogs-signature");
  const token = headers.get("x-gitlab-token");
  if (hub !== null) {
    const hex = hub.startsWith("sha256=") ? hub.slice("sha256=".length).trim() : undefined;
    if (hex === undefined || !HEX64.test(hex)) {
      return { ok: false, reason: "X-Hub-Signature-256 must be sha256= and 64 hex digits" };
    }
    return await verifyHex(secret, hex, body, "X-Hub-Signature-256");
  }
  if (bare !== null) {
    const hex = bare.trim();
    if (!HEX64.test(hex)) return { ok: false, reason: "the signature must be 64 hex digits" };
    return await verifyHex(secret, hex, body, "the signature");
  }
  if (token !== null) {
    const given = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)),
    );
    return constantTimeEqual(given, secret.digest)
      ? { ok: true, provider: "gitlab" }
      : { ok: false, reason: "X-Gitlab-Token does not match the secret" };
  }
  return {
    ok: false,
    reason: "unsigned: send X-Hub-Signature-256 (HMAC-SHA256 of the body) or X-Gitlab-Token",
  };
}

async function verifyHex(
  secret: WebhookSecret,
  hex: string,
  body: Uint8Array<ArrayBuffer>,
  header: string,
): Promise<AuthVerdict> {
  const signature = new Uint8Array(32);
  for (let i = 0; i < 32; i++) signature[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  // WebCrypto's verify compares in constant time
  const ok = await crypto.subtle.verify("HMAC", secret.hmac, signature, body);
  return ok
    ? { ok: true, provider: "hmac" }
    : { ok: false, reason: `${header} does not match the body signed with the secret` };
}

/** Equal-length byte arrays compared without an early exit. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** The HMAC-SHA256 of `body` as lowercase hex (what a client puts after `sha256=`). */
export async function signBody(
  secret: WebhookSecret,
  body: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", secret.hmac, body));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function trimNewline(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  return bytes.subarray(0, end);
}
