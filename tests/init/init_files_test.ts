/** hoist init's pure helpers: ssh servers of URLs, signer files, principals, allowed_signers, drop-ins. */
import assert from "node:assert/strict";
import {
  allowedSignersText,
  configDropIn,
  principal,
  signerKey,
  sshServer,
} from "../../lib/init/init_files.ts";

const sshCases: [string, { host: string; port: number } | undefined][] = [
  ["ssh://git@git.example.org/ops/infra.git", { host: "git.example.org", port: 22 }],
  ["ssh://git@git.example.org:2222/ops/infra.git", { host: "git.example.org", port: 2222 }],
  ["ssh://[2001:db8::1]:2222/infra.git", { host: "2001:db8::1", port: 2222 }],
  ["git@github.com:acme/infra.git", { host: "github.com", port: 22 }],
  ["github.com:acme/infra.git", { host: "github.com", port: 22 }],
  ["https://github.com/acme/infra.git", undefined],
  ["git://git.example.org/infra.git", undefined],
  ["file:///srv/infra.git", undefined],
  ["/srv/infra.git", undefined],
  ["./infra", undefined],
];

for (const [url, want] of sshCases) {
  Deno.test({
    name: `sshServer(${JSON.stringify(url)})`,
    permissions: "none",
    fn() {
      assert.deepEqual(sshServer(url), want);
    },
  });
}

const KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIDq9fJ0k0Yl0rV7Zw1m8M3eK6Qm1x8ZfQ0f3uS9Y2Jp1";

Deno.test({
  name:
    "signerKey() reads ssh key lines and armored gpg keys, and refuses private keys and other text",
  permissions: "none",
  fn() {
    assert.deepEqual(signerKey(`ssh-ed25519 ${KEY} alice@example.org\n`), {
      kind: "ssh",
      keys: [{ type: "ssh-ed25519", key: KEY, comment: "alice@example.org" }],
    });
    assert.deepEqual(signerKey(`# ops\nssh-ed25519 ${KEY}\n\necdsa-sha2-nistp256 ${KEY} bob\n`), {
      kind: "ssh",
      keys: [
        { type: "ssh-ed25519", key: KEY, comment: "" },
        { type: "ecdsa-sha2-nistp256", key: KEY, comment: "bob" },
      ],
    });
    assert.deepEqual(
      signerKey(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF…\n-----END PGP PUBLIC KEY BLOCK-----\n",
      ),
      { kind: "gpg" },
    );
    for (
      const bad of [
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n",
      ]
    ) {
      const r = signerKey(bad);
      assert.ok("error" in r && /private key/.test(r.error), JSON.stringify(r));
    }
    for (
      const bad of ["", "hello\n", `ssh-ed25519 ${KEY}\nnot a key\n`, `ssh-ed25519 not*base64\n`]
    ) {
      const r = signerKey(bad);
      assert.ok(
        "error" in r && /not a public key/.test(r.error),
        `${JSON.stringify(bad)}: ${JSON.stringify(r)}`,
      );
    }
  },
});

Deno.test({
  name:
    "principal() takes the comment's first word, else the file's name, with odd characters replaced",
  permissions: "none",
  fn() {
    assert.equal(principal("alice@example.org", "/k/a.pub"), "alice@example.org");
    assert.equal(principal("alice@example.org laptop", "/k/a.pub"), "alice@example.org");
    assert.equal(principal("", "/keys/bob.pub"), "bob");
    assert.equal(principal("", "/keys/release key.pub"), "release_key");
    assert.equal(principal('eve"; rm -rf', "/k/e.pub"), "eve__");
    assert.equal(principal("", "/k/.pub"), "signer");
  },
});

Deno.test({
  name: "allowedSignersText() trusts every key for git signatures only, one line each",
  permissions: "none",
  fn() {
    const text = allowedSignersText([
      {
        file: "/k/alice.pub",
        keys: [{ type: "ssh-ed25519", key: KEY, comment: "alice@example.org" }],
      },
      { file: "/k/ci.pub", keys: [{ type: "ssh-ed25519", key: KEY, comment: "" }] },
    ]);
    assert.deepEqual(text.split("\n").filter((l) => l !== "" && !l.startsWith("#")), [
      `alice@example.org namespaces="git" ssh-ed25519 ${KEY}`,
      `ci namespaces="git" ssh-ed25519 ${KEY}`,
    ]);
  },
});

Deno.test({
  name: "configDropIn() is needed only off the default path, and quotes what systemd would expand",
  permissions: "none",
  fn() {
    assert.equal(configDropIn("/etc/hoist/config.toml", "/etc/hoist/config.toml"), undefined);
    const d = configDropIn('/srv/ho"ist/100%/config.toml', "/etc/hoist/config.toml") ?? "";
    assert.match(d, /^\[Service\]$/m);
    assert.match(d, /^Environment="HOIST_CONFIG=\/srv\/ho\\"ist\/100%%\/config\.toml"$/m);
  },
});
