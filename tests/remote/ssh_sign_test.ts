/**
 * The ssh-keygen adapter against the real ssh-keygen and ssh-agent: signing with a key file, with
 * a key's text (HOIST_REMOTE_KEY) and through the agent, and verifying what was signed.
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { createSshSign, parseVerify } from "../../lib/adapters/ssh_sign.ts";
import { canonicalRequest, REMOTE_NAMESPACE, signatureHeader } from "../../lib/remote/canonical.ts";
import { parseKeyLine } from "../../lib/remote/ssh_keys.ts";
import { makeKey, withAgent } from "./keys.ts";

const ssh = createSshSign(createRunner(), createFs());
const MESSAGE = canonicalRequest({
  method: "GET",
  path: "/api/v1/services/web/ping",
  query: new URLSearchParams(),
  timestamp: 1796163045,
  nonce: "abcdefghijklmnop",
  bodySha256: "0".repeat(64),
});

function signers(pub: string): { allowedSigners: string; principal: string } {
  const k = parseKeyLine(pub);
  if (!k.ok) throw new Error(k.reason);
  return {
    allowedSigners:
      `${k.key.fingerprint} namespaces="${REMOTE_NAMESPACE}" ${k.key.type} ${k.key.base64}\n`,
    principal: k.key.fingerprint,
  };
}

Deno.test("ssh_sign: a signature from a key file verifies; a changed message or namespace does not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const alice = await makeKey(dir, "alice");
    const armored = await ssh.sign({ kind: "file", path: alice.path }, REMOTE_NAMESPACE, MESSAGE);
    assert.ok(signatureHeader(armored), armored);
    const good = await ssh.verify({
      ...signers(alice.pub),
      namespace: REMOTE_NAMESPACE,
      message: MESSAGE,
      signature: armored,
    });
    assert.deepEqual(good, { ok: true });
    const changed = await ssh.verify({
      ...signers(alice.pub),
      namespace: REMOTE_NAMESPACE,
      message: MESSAGE.replace("ping", "stop"),
      signature: armored,
    });
    assert.equal(changed.ok, false);
    const git = await ssh.sign({ kind: "file", path: alice.path }, "git", MESSAGE);
    const other = await ssh.verify({
      ...signers(alice.pub),
      namespace: REMOTE_NAMESPACE,
      message: MESSAGE,
      signature: git,
    });
    assert.equal(other.ok, false, "a signature made for git does not fit hoist-remote");
    const bob = await makeKey(dir, "bob");
    const notListed = await ssh.verify({
      ...signers(bob.pub),
      namespace: REMOTE_NAMESPACE,
      message: MESSAGE,
      signature: armored,
    });
    assert.equal(notListed.ok, false, "alice's signature against a list of bob's key");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ssh_sign: a private key given as text signs, and leaves no copy of it behind", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const alice = await makeKey(dir, "alice");
    const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
    const before = new Set([...Deno.readDirSync(tmp)].map((e) => e.name));
    const armored = await ssh.sign(
      { kind: "text", text: await Deno.readTextFile(alice.path) },
      REMOTE_NAMESPACE,
      MESSAGE,
    );
    const left = [...Deno.readDirSync(tmp)].map((e) => e.name).filter((n) =>
      !before.has(n) && n.startsWith("hoist-ssh-")
    );
    assert.deepEqual(left, [], "the temp folder with the key is removed");
    assert.deepEqual(
      await ssh.verify({
        ...signers(alice.pub),
        namespace: REMOTE_NAMESPACE,
        message: MESSAGE,
        signature: armored,
      }),
      { ok: true },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ssh_sign: the agent's key signs with -U and a public key; agentKeys lists it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const alice = await makeKey(dir, "alice");
    await withAgent(dir, [alice.path], async (env) => {
      const agentSsh = createSshSign(
        (spec) => createRunner()({ ...spec, env: { ...spec.env, ...env } }),
        createFs(),
      );
      const keys = await agentSsh.agentKeys();
      assert.equal(keys.length, 1);
      assert.equal(keys[0]?.split(" ")[1], alice.pub.split(" ")[1]);
      const armored = await agentSsh.sign(
        { kind: "agent", publicKey: keys[0]! },
        REMOTE_NAMESPACE,
        MESSAGE,
      );
      assert.deepEqual(
        await ssh.verify({
          ...signers(alice.pub),
          namespace: REMOTE_NAMESPACE,
          message: MESSAGE,
          signature: armored,
        }),
        { ok: true },
      );
    });
    const none = createSshSign(
      (spec) => createRunner()({ ...spec, env: { ...spec.env, SSH_AUTH_SOCK: `${dir}/no-agent` } }),
      createFs(),
    );
    assert.deepEqual(await none.agentKeys(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "parseVerify(): only exit 0 with the Good line for the principal asked is good",
  permissions: "none",
  fn() {
    const good = 'Good "hoist-remote" signature for SHA256:abc with ED25519 key SHA256:abc\n';
    assert.deepEqual(parseVerify(good, "", 0, "hoist-remote", "SHA256:abc"), { ok: true });
    assert.equal(parseVerify(good, "", 0, "hoist-remote", "SHA256:other").ok, false);
    assert.equal(parseVerify(good, "", 255, "hoist-remote", "SHA256:abc").ok, false);
    assert.deepEqual(
      parseVerify("", "Could not verify signature.\n", 255, "hoist-remote", "SHA256:abc"),
      {
        ok: false,
        reason: "the signature does not verify (Could not verify signature.)",
      },
    );
  },
});
