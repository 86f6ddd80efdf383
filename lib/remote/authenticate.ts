/**
 * {@link authenticateRemote}: who sent a signed remote request, and may they do what it asks. The
 * order is cheapest first and nothing is spawned for a request that is malformed, stale or
 * replayed: headers → freshness → nonce (held, given back if the signature fails) → the signer's
 * key, read from the signature, among the committed ones → `ssh-keygen -Y verify` against an
 * allowed-signers list of the keys for the target → scope.
 *
 * 401: not authenticated (unsigned, malformed, stale, replayed, unknown key, bad signature);
 * 403: a known key, but not one for this service (or not a host key for plan/apply).
 *
 * @module
 */
import type { SshSign } from "../adapters/ssh_sign.ts";
import {
  armorSignature,
  bodyDigest,
  canonicalRequest,
  freshness,
  readSignatureHeaders,
  REMOTE_NAMESPACE,
} from "./canonical.ts";
import type { NonceLog } from "./nonces.ts";
import { allowedSigners, type KeyScope, keysFor, type RemoteKey } from "./repo_keys.ts";
import { signatureKey } from "./ssh_keys.ts";

/** Who signed. */
export interface Principal {
  /** `SHA256:…` */
  readonly fingerprint: string;
  /** The key's comment where it was committed (`alice@laptop`), "" when none. */
  readonly comment: string;
}

/** The verdict. */
export type RemoteAuth =
  | { readonly ok: true; readonly principal: Principal }
  | {
    readonly ok: false;
    readonly status: 401 | 403 | 503;
    readonly reason: string;
    /** Set when the signature verified (a 403). */
    readonly principal?: Principal;
  };

/** The request as the signature sees it. */
export interface SignedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

/** `principal` as shown in records and messages: `SHA256:… (comment)`. */
export function principalName(p: Principal): string {
  return p.comment === "" ? p.fingerprint : `${p.fingerprint} (${p.comment})`;
}

/** Checks `req` for an operation on `target` at `nowMs`. */
export async function authenticateRemote(
  req: SignedRequest,
  target: KeyScope,
  ctx: {
    readonly keys: readonly RemoteKey[];
    readonly nonces: NonceLog;
    readonly verify: SshSign["verify"];
    readonly nowMs: number;
  },
): Promise<RemoteAuth> {
  const h = readSignatureHeaders(req.headers);
  if (!h.ok) return { ok: false, status: 401, reason: h.reason };
  const fresh = freshness(h.timestamp, ctx.nowMs);
  if (!fresh.ok) return { ok: false, status: 401, reason: fresh.reason };
  const claimed = signatureKey(h.signature);
  if (!claimed.ok) return { ok: false, status: 401, reason: claimed.reason };
  if (claimed.namespace !== REMOTE_NAMESPACE) {
    return {
      ok: false,
      status: 401,
      reason: `the signature is for namespace ${JSON.stringify(claimed.namespace.slice(0, 40))}, ` +
        `not ${REMOTE_NAMESPACE} (sign with ssh-keygen -Y sign -n ${REMOTE_NAMESPACE})`,
    };
  }
  const own = ctx.keys.filter((k) => k.key.fingerprint === claimed.fingerprint);
  const first = own[0];
  if (first === undefined) {
    return {
      ok: false,
      status: 401,
      reason: `key ${claimed.fingerprint} is in no ssh/ folder of the deployed commit ` +
        "and not in [remote] admin_keys",
    };
  }
  const reserved = ctx.nonces.reserve(h.nonce, ctx.nowMs);
  if (reserved === "replayed") {
    return { ok: false, status: 401, reason: "this nonce was already used (a replayed request)" };
  }
  if (reserved === "full") {
    return { ok: false, status: 503, reason: "too many signed requests in the last minute" };
  }
  const allowed = keysFor(own, target);
  // a key outside the target's scope is still authenticated first, so a 403 means "known, not here"
  const signers = allowedSigners(allowed.length > 0 ? keysFor(ctx.keys, target) : own);
  const message = canonicalRequest({
    method: req.method,
    path: req.path,
    query: req.query,
    timestamp: h.timestamp,
    nonce: h.nonce,
    bodySha256: bodyDigest(req.body),
  });
  const verdict = await ctx.verify({
    allowedSigners: signers,
    principal: claimed.fingerprint,
    namespace: REMOTE_NAMESPACE,
    message,
    signature: armorSignature(h.signature),
  });
  if (!verdict.ok) {
    ctx.nonces.release(h.nonce);
    return { ok: false, status: 401, reason: verdict.reason };
  }
  const principal = { fingerprint: claimed.fingerprint, comment: first.key.comment };
  if (allowed.length === 0) {
    const where = target.kind === "host"
      ? "plan and apply need a key of the host's ssh/ folder or [remote] admin_keys"
      : `it is not in ${target.service}'s ssh/ folder, the host's, or [remote] admin_keys`;
    return {
      ok: false,
      status: 403,
      reason: `key ${claimed.fingerprint} may not operate ${
        target.kind === "host" ? "the host" : target.service
      }: ${where}`,
      principal,
    };
  }
  return { ok: true, principal };
}
