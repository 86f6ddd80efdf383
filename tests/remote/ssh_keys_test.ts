/**
 * Public key lines, fingerprints and the key inside a signature, against what the real
 * ssh-keygen printed for the same keys (tests/remote/keys_fixture.ts): pure.
 */
import assert from "node:assert/strict";
import { parseKeyLine, signatureKey } from "../../lib/remote/ssh_keys.ts";
import { ALICE, ALICE_SIGNATURE, BOB, CAROL } from "./keys_fixture.ts";

Deno.test({
  name: "parseKeyLine() reads ed25519, rsa and ecdsa keys with ssh-keygen -l's fingerprints",
  permissions: "none",
  fn() {
    const cases = [
      [ALICE, "ssh-ed25519", "alice@ci"],
      [BOB, "ssh-rsa", "bob rsa"],
      [CAROL, "ecdsa-sha2-nistp256", ""],
    ] as const;
    for (const [k, type, comment] of cases) {
      const r = parseKeyLine(k.line);
      assert.ok(r.ok, k.line);
      assert.equal(r.key.type, type);
      assert.equal(r.key.comment, comment);
      assert.equal(r.key.fingerprint, k.fingerprint);
    }
  },
});

Deno.test({
  name: "parseKeyLine() refuses what is not a key, saying why",
  permissions: "none",
  fn() {
    const [type, b64] = ALICE.line.split(" ");
    const cases: [string, RegExp][] = [
      ["", /empty/],
      ["-----BEGIN OPENSSH PRIVATE KEY-----", /not an SSH public key/],
      [`from="10.0.0.0/8" ${ALICE.line}`, /options before the key type/],
      [`${type}`, /without the key itself/],
      [`${type} ${b64!.slice(0, -4)}`, /not valid base64|not a ssh-ed25519 key/],
      [`${type} ${b64!.slice(0, 20)}`, /not valid base64|not a ssh-ed25519 key/],
      [`ssh-rsa ${b64}`, /not a ssh-rsa key/],
      [`${type} @@@@`, /not valid base64/],
    ];
    for (const [line, want] of cases) {
      const r = parseKeyLine(line);
      assert.equal(r.ok, false, line);
      assert.match((r as { reason: string }).reason, want, line);
    }
  },
});

Deno.test({
  name: "signatureKey() finds the signer's fingerprint and the namespace in an SSHSIG blob",
  permissions: "none",
  fn() {
    assert.deepEqual(signatureKey(ALICE_SIGNATURE), {
      ok: true,
      type: "ssh-ed25519",
      fingerprint: ALICE.fingerprint,
      namespace: "hoist-remote",
    });
    for (const bad of ["", "AAAA", btoa("SSHSIG\0\0\0\x01\0\0\0\xff"), ALICE.line.split(" ")[1]!]) {
      assert.equal(signatureKey(bad).ok, false, bad);
    }
  },
});
