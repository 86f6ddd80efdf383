/**
 * SSH public keys as text and as bytes (pure): one `authorized_keys`-style line → a key, its
 * `SHA256:` fingerprint as `ssh-keygen -l` prints it, and the key inside an `ssh-keygen -Y sign`
 * signature (the SSHSIG blob of OpenSSH's PROTOCOL.sshsig), so the server knows which key claims
 * to have signed before it asks ssh-keygen whether it did.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * Key types hoist accepts (what `ssh-keygen -Y sign` can sign with), and how many SSH wire
 * strings their blob holds, the type name included (RFC 4253, 5656, 8709; PROTOCOL.u2f).
 */
const KEY_FIELDS: ReadonlyMap<string, number> = new Map([
  ["ssh-ed25519", 2],
  ["ssh-rsa", 3],
  ["ecdsa-sha2-nistp256", 3],
  ["ecdsa-sha2-nistp384", 3],
  ["ecdsa-sha2-nistp521", 3],
  ["sk-ssh-ed25519@openssh.com", 3],
  ["sk-ecdsa-sha2-nistp256@openssh.com", 4],
]);

/** Key types hoist accepts. */
export const KEY_TYPES: ReadonlySet<string> = new Set(KEY_FIELDS.keys());

/** The blob's wire strings, or undefined when it is not a sequence of them to the last byte. */
function wireStrings(blob: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  for (let at = 0; at < blob.length;) {
    const s = readString(blob, at);
    if (s === undefined) return undefined;
    out.push(s.value);
    at = s.next;
  }
  return out;
}

/** One public key. */
export interface PublicKey {
  readonly type: string;
  /** The key blob, base64 as in the `.pub` file. */
  readonly base64: string;
  /** The text after the key ("" when none), control characters removed. */
  readonly comment: string;
  /** `SHA256:…` as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
}

/** A line that is a key, or why it is not. */
export type KeyLine =
  | { readonly ok: true; readonly key: PublicKey }
  | { readonly ok: false; readonly reason: string };

/** base64 → bytes; undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  try {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** `SHA256:<base64, no padding>` of a key blob. */
export function fingerprintOf(blob: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Reads the SSH wire `string` at `at`: its bytes and where the next field starts. */
function readString(
  bytes: Uint8Array,
  at: number,
): { readonly value: Uint8Array; readonly next: number } | undefined {
  if (at + 4 > bytes.length) return undefined;
  const len = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) |
    bytes[at + 3]!) >>> 0;
  const start = at + 4;
  if (start + len > bytes.length) return undefined;
  return { value: bytes.subarray(start, start + len), next: start + len };
}

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

/**
 * One line of a `.pub` file or an `authorized_keys`-style `keys` file: `TYPE BASE64 [COMMENT]`.
 * Options before the type (`from=…`, `command=…`) are refused: hoist could not honour them.
 *
 * @example
 * ```ts
 * parseKeyLine("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE… alice@laptop");
 * // { ok: true, key: { type: "ssh-ed25519", comment: "alice@laptop", fingerprint: "SHA256:…", … } }
 * ```
 */
export function parseKeyLine(line: string): KeyLine {
  const words = line.trim().split(/\s+/);
  const [type, base64, ...rest] = words;
  if (type === undefined || type === "") return { ok: false, reason: "the line is empty" };
  if (!KEY_TYPES.has(type)) {
    const known = words.slice(1).find((w) => KEY_TYPES.has(w));
    return {
      ok: false,
      reason: known !== undefined
        ? "options before the key type (from=, command=, …) are not supported"
        : `not an SSH public key (the line starts with ${JSON.stringify(type.slice(0, 40))})`,
    };
  }
  if (base64 === undefined) return { ok: false, reason: `${type} without the key itself` };
  const blob = fromBase64(base64);
  if (blob === undefined) return { ok: false, reason: "the key is not valid base64" };
  const fields = wireStrings(blob);
  const [name, pk] = fields ?? [];
  if (
    fields === undefined || name === undefined || latin1(name) !== type ||
    fields.length !== KEY_FIELDS.get(type) || (type === "ssh-ed25519" && pk?.length !== 32)
  ) {
    return { ok: false, reason: `the key data is not a ${type} key (cut short or altered?)` };
  }
  // deno-lint-ignore no-control-regex
  const comment = rest.join(" ").replace(/[\x00-\x1f\x7f-\x9f]/g, "").slice(0, 200);
  return { ok: true, key: { type, base64, comment, fingerprint: fingerprintOf(blob) } };
}

/** What an SSHSIG blob says about itself. */
export type SignatureKey =
  | {
    readonly ok: true;
    readonly type: string;
    readonly fingerprint: string;
    readonly namespace: string;
  }
  | { readonly ok: false; readonly reason: string };

/**
 * The signer's public key and the namespace of an `ssh-keygen -Y sign` signature (the base64 body
 * of its armor). Says nothing about whether the signature is valid: `ssh-keygen -Y verify` does.
 */
export function signatureKey(base64: string): SignatureKey {
  const bad = { ok: false, reason: "X-Hoist-Signature is not an SSH signature" } as const;
  const blob = fromBase64(base64);
  if (blob === undefined || blob.length < 10 || latin1(blob.subarray(0, 6)) !== "SSHSIG") {
    return bad;
  }
  const key = readString(blob, 10); // magic (6) and version (uint32)
  const ns = key === undefined ? undefined : readString(blob, key.next);
  const keyType = key === undefined ? undefined : readString(key.value, 0);
  if (key === undefined || ns === undefined || keyType === undefined) return bad;
  return {
    ok: true,
    type: latin1(keyType.value),
    fingerprint: fingerprintOf(key.value),
    namespace: latin1(ns.value),
  };
}
