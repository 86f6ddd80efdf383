/**
 * The pure half of the signatures adapter, fed with what git 2.39.5, gpg 2.2.40 and OpenSSH 9.2
 * really printed (captured from the runs in tests/integration/signatures_test.ts and by hand with
 * the same tools; anything not captured is marked "synthetic").
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  GNUPG_CONF,
  importArgs,
  keyringStamp,
  parseImport,
} from "../../lib/adapters/ensure_keyring.ts";
import {
  parseCommittedAt,
  parseVerifyCommit,
  type Verdict,
  withCommitTime,
} from "../../lib/adapters/parse_verify_commit.ts";
import { verifyArgs } from "../../lib/adapters/signatures.ts";
import { HoistError } from "../../lib/errors.ts";

const status = (...lines: string[]) => lines.map((l) => `[GNUPG:] ${l}\n`).join("");

const ALICE = "B56F570820F216DC3641B2AA6202604A5A25F0DE";

// `git verify-commit --raw` of a commit signed by a key in the keyring (exit 0)
const GPG_GOOD = status(
  "NEWSIG",
  `KEY_CONSIDERED ${ALICE} 0`,
  "SIG_ID /YTfvmpATSwGzv0HnPgEnBws+E0 2026-11-22 1795350006",
  `KEY_CONSIDERED ${ALICE} 0`,
  "GOODSIG 6202604A5A25F0DE Alice <alice@example.com>",
  `VALIDSIG ${ALICE} 2026-11-22 1795350006 0 4 0 22 8 00 ${ALICE}`,
  `KEY_CONSIDERED ${ALICE} 0`,
  "TRUST_UNDEFINED 0 pgp",
);

const CASES: {
  name: string;
  stderr: string;
  code: number;
  want: ReturnType<typeof parseVerifyCommit>;
}[] = [
  {
    name: "an unsigned commit: git prints nothing and exits 1",
    stderr: "",
    code: 1,
    want: { status: "unsigned", format: "none", signer: "", message: "no signature" },
  },
  {
    name: "GOODSIG + VALIDSIG, exit 0: good; validity 'unknown' (TRUST_UNDEFINED) is fine",
    stderr: GPG_GOOD,
    code: 0,
    want: {
      status: "good",
      format: "gpg",
      signer: `gpg ${ALICE} Alice <alice@example.com>`,
      message: `good gpg signature by Alice <alice@example.com> (${ALICE})`,
    },
  },
  {
    name: "a signing subkey: the signer is the primary key (VALIDSIG's last field)",
    stderr: status(
      "NEWSIG",
      "KEY_CONSIDERED 79613A09AFAFC0B7050AAAA9F9F207BCC787D991 0",
      "SIG_ID f/2UFay9Z8+7umCyNNHvXp5y1z4 2026-11-22 1795350006",
      "KEY_CONSIDERED 79613A09AFAFC0B7050AAAA9F9F207BCC787D991 0",
      "GOODSIG 4892ED8F2D42CAB9 Carol <carol@example.com>",
      "VALIDSIG 1A7B1E3AE869BE9B5225523C4892ED8F2D42CAB9 2026-11-22 1795350006 0 4 0 22 8 00 79613A09AFAFC0B7050AAAA9F9F207BCC787D991",
      "KEY_CONSIDERED 79613A09AFAFC0B7050AAAA9F9F207BCC787D991 0",
      "KEY_CONSIDERED 79613A09AFAFC0B7050AAAA9F9F207BCC787D991 0",
      "TRUST_UNDEFINED 0 pgp",
    ),
    code: 0,
    want: {
      status: "good",
      format: "gpg",
      signer: "gpg 79613A09AFAFC0B7050AAAA9F9F207BCC787D991 Carol <carol@example.com>",
      message:
        "good gpg signature by Carol <carol@example.com> (79613A09AFAFC0B7050AAAA9F9F207BCC787D991)",
    },
  },
  {
    name: "GOODSIG but git exits 1 (here gpg.minTrustLevel=ultimate): untrusted, never good",
    stderr: GPG_GOOD,
    code: 1,
    want: {
      status: "untrusted",
      format: "gpg",
      signer: `gpg ${ALICE} Alice <alice@example.com>`,
      message: `good gpg signature by Alice <alice@example.com> (${ALICE}), but git rejected it`,
    },
  },
  {
    name: "ERRSIG + NO_PUBKEY (a key not in hoist's keyring): untrusted, signer from ERRSIG's fpr",
    stderr: status(
      "NEWSIG",
      "ERRSIG F5AA001D08FBEDB9 22 8 00 1795350006 9 B788593559F1187C0AE80429F5AA001D08FBEDB9",
      "NO_PUBKEY F5AA001D08FBEDB9",
    ),
    code: 1,
    want: {
      status: "untrusted",
      format: "gpg",
      signer: "gpg B788593559F1187C0AE80429F5AA001D08FBEDB9",
      message:
        "signed by gpg key B788593559F1187C0AE80429F5AA001D08FBEDB9, which is not one of the configured keys",
    },
  },
  {
    name: "BADSIG (the commit was edited under the signature): bad, the claimed key is no signer",
    stderr: status(
      "NEWSIG",
      `KEY_CONSIDERED ${ALICE} 0`,
      `KEY_CONSIDERED ${ALICE} 0`,
      "BADSIG 6202604A5A25F0DE Alice <alice@example.com>",
    ),
    code: 1,
    want: {
      status: "bad",
      format: "gpg",
      signer: "",
      message: "BAD gpg signature claiming key 6202604A5A25F0DE (Alice <alice@example.com>)",
    },
  },
  {
    name: "NODATA 4 (a flipped byte breaks the armor checksum): bad",
    stderr: status("NODATA 4"),
    code: 1,
    want: {
      status: "bad",
      format: "gpg",
      signer: "",
      message: "gpg could not read the signature (NODATA 4)",
    },
  },
  {
    name: "REVKEYSIG (a configured key that was revoked): untrusted",
    stderr: status(
      "NEWSIG",
      "KEY_CONSIDERED F15A6DA67FED5888FF47EB2007BA763F808E221B 0",
      "SIG_ID mz27N/lyqWbjkJAkc5yG3Pxjy/I 2026-11-22 1795349798",
      "KEY_CONSIDERED F15A6DA67FED5888FF47EB2007BA763F808E221B 0",
      "REVKEYSIG 07BA763F808E221B Rev <rev@example.com>",
      "VALIDSIG F15A6DA67FED5888FF47EB2007BA763F808E221B 2026-11-22 1795349798 0 4 0 22 8 00 F15A6DA67FED5888FF47EB2007BA763F808E221B",
      "KEY_CONSIDERED F15A6DA67FED5888FF47EB2007BA763F808E221B 0",
      "KEYREVOKED",
      "KEY_CONSIDERED F15A6DA67FED5888FF47EB2007BA763F808E221B 0",
      "TRUST_UNDEFINED 0 pgp",
    ),
    code: 1,
    want: {
      status: "untrusted",
      format: "gpg",
      signer: "gpg F15A6DA67FED5888FF47EB2007BA763F808E221B Rev <rev@example.com>",
      message:
        "gpg signature by Rev <rev@example.com> (F15A6DA67FED5888FF47EB2007BA763F808E221B), whose key is revoked",
    },
  },
  {
    name: "EXPKEYSIG (a configured key that has expired): untrusted",
    stderr: status(
      "NEWSIG",
      "KEY_CONSIDERED 049CB4D55F0D6BB4034A367F1EAF4ADF1EE234DC 0",
      "KEYEXPIRED 1577923200",
      "SIG_ID 3ULEXmUpfXOpQweYyliUPHlxU14 2020-01-01 1577840400",
      "KEY_CONSIDERED 049CB4D55F0D6BB4034A367F1EAF4ADF1EE234DC 0",
      "EXPKEYSIG 1EAF4ADF1EE234DC Old <old@example.com>",
      "VALIDSIG 049CB4D55F0D6BB4034A367F1EAF4ADF1EE234DC 2020-01-01 1577840400 0 4 0 22 8 00 049CB4D55F0D6BB4034A367F1EAF4ADF1EE234DC",
      "KEY_CONSIDERED 049CB4D55F0D6BB4034A367F1EAF4ADF1EE234DC 0",
    ),
    code: 1,
    want: {
      status: "untrusted",
      format: "gpg",
      signer: "gpg 049CB4D55F0D6BB4034A367F1EAF4ADF1EE234DC Old <old@example.com>",
      message:
        "gpg signature by Old <old@example.com> (049CB4D55F0D6BB4034A367F1EAF4ADF1EE234DC), whose key has expired",
    },
  },
  {
    name: "an x509 signature block that gpgsm cannot read: bad",
    stderr: status("ERROR verify.leave 150995087"),
    code: 1,
    want: {
      status: "bad",
      format: "gpg",
      signer: "",
      message: "gpg could not read the signature (ERROR verify.leave 150995087)",
    },
  },
  {
    name: "two signatures in one block (synthetic): bad, as git refuses them too",
    stderr: GPG_GOOD + status(
      "NEWSIG",
      "ERRSIG F5AA001D08FBEDB9 22 8 00 1795350006 9 B788593559F1187C0AE80429F5AA001D08FBEDB9",
      "NO_PUBKEY F5AA001D08FBEDB9",
    ),
    code: 0,
    want: {
      status: "bad",
      format: "gpg",
      signer: "",
      message: "the commit carries 2 signatures; hoist expects one",
    },
  },
  {
    name: "ssh: Good … for <principal>, exit 0: good, signer = SHA256 fingerprint + principal",
    stderr:
      'Good "git" signature for alice@example.com with ED25519 key SHA256:iNRbntLiESoEgoFm+dyrkE8y+jBpa90XfSf8eImQyYw\n',
    code: 0,
    want: {
      status: "good",
      format: "ssh",
      signer: "ssh SHA256:iNRbntLiESoEgoFm+dyrkE8y+jBpa90XfSf8eImQyYw alice@example.com",
      message:
        'Good "git" signature for alice@example.com with ED25519 key SHA256:iNRbntLiESoEgoFm+dyrkE8y+jBpa90XfSf8eImQyYw',
    },
  },
  {
    name: "ssh: a principal containing ' with ' is split at the last one, as git does (synthetic)",
    stderr: 'Good "git" signature for ops with keys with ED25519 key SHA256:abc\n',
    code: 0,
    want: {
      status: "good",
      format: "ssh",
      signer: "ssh SHA256:abc ops with keys",
      message: 'Good "git" signature for ops with keys with ED25519 key SHA256:abc',
    },
  },
  {
    name:
      "ssh: a key not in allowed_signers (Good … with, No principal matched, exit 1): untrusted",
    stderr:
      'Good "git" signature with ED25519 key SHA256:wPtddZbtB//n9FboVhTgdxH7n2NtvH+QMTH3JcjMKks\nNo principal matched.\n',
    code: 1,
    want: {
      status: "untrusted",
      format: "ssh",
      signer: "ssh SHA256:wPtddZbtB//n9FboVhTgdxH7n2NtvH+QMTH3JcjMKks",
      message:
        'Good "git" signature with ED25519 key SHA256:wPtddZbtB//n9FboVhTgdxH7n2NtvH+QMTH3JcjMKks; No principal matched.',
    },
  },
  {
    name: "ssh: an allowed_signers file that cannot be opened: untrusted",
    stderr:
      'Good "git" signature with ED25519 key SHA256:uOE7TOPoR8mmFrxEDUo/WNbnQdJU7+4BsVdyaIVgwVM\n' +
      'Unable to open allowed keys file "/tmp/sigx/nope": No such file or directory\n' +
      "sig_find_principals: sshsig_find_principal: No such file or directory\n" +
      "No principal matched.\n",
    code: 1,
    want: {
      status: "untrusted",
      format: "ssh",
      signer: "ssh SHA256:uOE7TOPoR8mmFrxEDUo/WNbnQdJU7+4BsVdyaIVgwVM",
      message:
        'Good "git" signature with ED25519 key SHA256:uOE7TOPoR8mmFrxEDUo/WNbnQdJU7+4BsVdyaIVgwVM; ' +
        'Unable to open allowed keys file "/tmp/sigx/nope": No such file or directory; ' +
        "sig_find_principals: sshsig_find_principal: No such file or directory; No principal matched.",
    },
  },
  {
    name: "ssh: the message was edited under the signature: bad",
    stderr: "Could not verify signature.\nSignature verification failed: incorrect signature\n",
    code: 1,
    want: {
      status: "bad",
      format: "ssh",
      signer: "",
      message: "Could not verify signature.; Signature verification failed: incorrect signature",
    },
  },
  {
    name: "ssh: a flipped byte in the signature: bad",
    stderr:
      "Could not verify signature.\nsshsig_peek_hashalg: parse signature object: incomplete message\n",
    code: 1,
    want: {
      status: "bad",
      format: "ssh",
      signer: "",
      message:
        "Could not verify signature.; sshsig_peek_hashalg: parse signature object: incomplete message",
    },
  },
  {
    name: "ssh: a flipped byte in the embedded public key: bad although 'No principal matched'",
    stderr:
      "Could not verify signature.\nNo principal matched.\nSignature verification failed: incorrect signature\n",
    code: 1,
    want: {
      status: "bad",
      format: "ssh",
      signer: "",
      message:
        "Could not verify signature.; No principal matched.; Signature verification failed: incorrect signature",
    },
  },
  {
    name:
      "ssh: a key past its valid-before, judged at the time hoist verifies: untrusted, saying so",
    stderr:
      'Good "git" signature with ED25519 key SHA256:3cvznlyKWZwAiDQUY2G7Gqf4meuVPnp6u2zXpkDOlCQ\n' +
      "/tmp/hoist-sig/allowed_signers:1: key has expired: verify time 2026-12-01T20:53:35 > valid-before 2020-01-01T00:00:00\r\n" +
      "No principal matched.\n",
    code: 1,
    want: {
      status: "untrusted",
      format: "ssh",
      signer: "ssh SHA256:3cvznlyKWZwAiDQUY2G7Gqf4meuVPnp6u2zXpkDOlCQ",
      message:
        'Good "git" signature with ED25519 key SHA256:3cvznlyKWZwAiDQUY2G7Gqf4meuVPnp6u2zXpkDOlCQ; ' +
        "/tmp/hoist-sig/allowed_signers:1: key has expired: verify time 2026-12-01T20:53:35 > valid-before 2020-01-01T00:00:00; " +
        "No principal matched.",
    },
  },
  {
    name: "ssh: a key before its valid-after: untrusted, saying so",
    stderr:
      'Good "git" signature with ED25519 key SHA256:3cvznlyKWZwAiDQUY2G7Gqf4meuVPnp6u2zXpkDOlCQ\n' +
      "/tmp/hoist-sig/allowed_signers:1: key is not yet valid: verify time 2026-12-01T20:53:35 < valid-after 2099-01-01T00:00:00\r\n" +
      "No principal matched.\n",
    code: 1,
    want: {
      status: "untrusted",
      format: "ssh",
      signer: "ssh SHA256:3cvznlyKWZwAiDQUY2G7Gqf4meuVPnp6u2zXpkDOlCQ",
      message:
        'Good "git" signature with ED25519 key SHA256:3cvznlyKWZwAiDQUY2G7Gqf4meuVPnp6u2zXpkDOlCQ; ' +
        "/tmp/hoist-sig/allowed_signers:1: key is not yet valid: verify time 2026-12-01T20:53:35 < valid-after 2099-01-01T00:00:00; " +
        "No principal matched.",
    },
  },
  {
    name:
      "ssh: a certificate outside its validity (ssh-keygen: no valid principals found): untrusted",
    stderr:
      'Good "git" signature with ED25519-CERT key SHA256:SmBesGzvfBIhoeo87cjDgRbVOGql91kHslwqdkW5Hkk\n' +
      "/tmp/hoist-sig/allowed_signers:1: no valid principals found\r\n" +
      "No principal matched.\n",
    code: 1,
    want: {
      status: "untrusted",
      format: "ssh",
      signer: "ssh SHA256:SmBesGzvfBIhoeo87cjDgRbVOGql91kHslwqdkW5Hkk",
      message:
        'Good "git" signature with ED25519-CERT key SHA256:SmBesGzvfBIhoeo87cjDgRbVOGql91kHslwqdkW5Hkk; ' +
        "/tmp/hoist-sig/allowed_signers:1: no valid principals found; No principal matched.",
    },
  },
  {
    name: "exit 0 with nothing printed (synthetic): bad, never good",
    stderr: "",
    code: 0,
    want: {
      status: "bad",
      format: "none",
      signer: "",
      message: "git verify-commit succeeded but printed no verdict",
    },
  },
];

for (const c of CASES) {
  Deno.test({
    name: `parseVerifyCommit(): ${c.name}`,
    permissions: "none",
    fn() {
      assert.deepEqual(parseVerifyCommit(c.stderr, c.code), c.want);
    },
  });
}

Deno.test({
  name: "parseVerifyCommit() never says good unless git exited 0",
  permissions: "none",
  fn() {
    for (const c of CASES) {
      for (const code of [1, 128]) {
        assert.notEqual(parseVerifyCommit(c.stderr, code).status, "good", c.name);
      }
    }
  },
});

Deno.test({
  name: "parseVerifyCommit() throws on git's own errors: they say nothing about a signature",
  permissions: "none",
  fn() {
    const errors: [string, string, RegExp][] = [
      [
        "error: deadbeefdeadbeefdeadbeefdeadbeefdeadbeef: unable to read file.\n",
        "command-failed",
        /deadbeef.*unable to read file/,
      ],
      ["error: commit '0000000' not found.\n", "command-failed", /commit '0000000' not found/],
      [
        "error: HEAD^{tree}: cannot verify a non-commit object of type tree.\n",
        "command-failed",
        /non-commit object/,
      ],
      [
        "fatal: cannot run /nonexistent/gpg: No such file or directory\n",
        "tool-missing",
        /cannot run \/nonexistent\/gpg/,
      ],
    ];
    for (const [stderr, code, message] of errors) {
      assert.throws(() => parseVerifyCommit(stderr, 1), (e: unknown) => {
        assert.ok(e instanceof HoistError);
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
    }
  },
});

Deno.test({
  name:
    "verifyArgs() pins gpg, hoist's ssh-keygen wrapper and gpgsm over the cache's config, then verify-commit --verbose --raw",
  permissions: "none",
  fn() {
    assert.deepEqual(
      verifyArgs("/s/cache", "abc123", "/s/trust/allowed_signers.none", "/s/trust/ssh-keygen-now"),
      [
        "-C",
        "/s/cache",
        "-c",
        "gpg.program=gpg",
        "-c",
        "gpg.openpgp.program=gpg",
        "-c",
        "gpg.ssh.program=/s/trust/ssh-keygen-now",
        "-c",
        "gpg.x509.program=gpgsm",
        "-c",
        "gpg.ssh.allowedSignersFile=/s/trust/allowed_signers.none",
        "verify-commit",
        "--verbose",
        "--raw",
        "abc123",
      ],
    );
  },
});

Deno.test({
  name: "importArgs() imports from stdin in batch mode without starting gpg-agent",
  permissions: "none",
  fn() {
    assert.deepEqual(importArgs(), ["--batch", "--no-autostart", "--status-fd", "1", "--import"]);
    assert.match(GNUPG_CONF, /^no-autostart$/m);
    assert.match(GNUPG_CONF, /^no-auto-key-retrieve$/m);
    assert.match(GNUPG_CONF, /^no-auto-key-import$/m);
  },
});

Deno.test({
  name: "parseImport() accepts a new or unchanged key and rejects input without one",
  permissions: "none",
  fn() {
    const fpr = "C81B64DF40BA028E009EDF9EF3ED0E4525F249EA";
    const imported = status(
      `KEY_CONSIDERED ${fpr} 0`,
      "IMPORTED F3ED0E4525F249EA Alice <alice@example.com>",
      `IMPORT_OK 1 ${fpr}`,
      "IMPORT_RES 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0",
    );
    assert.deepEqual(parseImport(imported, 0), { ok: true, fingerprints: [fpr], reason: "" });
    const unchanged = status(
      `IMPORT_OK 0 ${fpr}`,
      `KEY_CONSIDERED ${fpr} 0`,
      "IMPORT_RES 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0",
    );
    assert.deepEqual(parseImport(unchanged, 0), { ok: true, fingerprints: [fpr], reason: "" });
    // garbage, an empty file or an ssh public key: NODATA 1, exit 2
    const nodata = status("NODATA 1", "IMPORT_RES 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0");
    assert.deepEqual(parseImport(nodata, 2), {
      ok: false,
      fingerprints: [],
      reason: "gpg found no OpenPGP key in it",
    });
  },
});

Deno.test({
  name: "keyringStamp() changes with any key's content and with their order",
  permissions: "none",
  fn() {
    const a = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nA\n";
    const b = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nB\n";
    assert.match(keyringStamp([a, b]), /^[0-9a-f]{64}$/);
    assert.equal(keyringStamp([a, b]), keyringStamp([a, b]));
    assert.notEqual(keyringStamp([a, b]), keyringStamp([b, a]));
    assert.notEqual(keyringStamp([a, b]), keyringStamp([a, `${b} `]));
    assert.notEqual(keyringStamp(["ab"]), keyringStamp(["a", "b"]));
    assert.notEqual(keyringStamp([]), keyringStamp([""]));
  },
});

// ---------------------------------------------------------------------------------------------
// the committer time, from `git verify-commit --verbose` (stdout: the signed part of the commit)

// git 2.39.5, `verify-commit --verbose` of a commit made with GIT_COMMITTER_DATE=2020-01-15
const PAYLOAD = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n" +
  "parent 95e5a296080660df822acc6774fe2897b227bab5\n" +
  "author t <t@x> 1796156008 +0000\n" +
  "committer t <t@x> 1579046400 +0000\n" +
  "\n" +
  "certsigned2\n";

Deno.test({
  name: "parseCommittedAt() reads the committer line of the header, not the author or the message",
  permissions: "none",
  fn() {
    const cases: [string, string, number | undefined][] = [
      ["the committer time, not the author's", PAYLOAD, 1579046400],
      [
        "a '>' in the name: the number after the last '>'",
        "tree 1\nauthor a <a> 1 +0000\ncommitter Eve > Mallory <e@x> 1559347200 -0700\n\nm\n",
        1559347200,
      ],
      [
        "no zone (git accepts it)",
        "tree 1\nauthor a <a> 1 +0000\ncommitter c <c@x> 1559347200\n\nm\n",
        1559347200,
      ],
      [
        "the first committer line counts",
        "tree 1\ncommitter c <c@x> 100 +0000\ncommitter c <c@x> 200 +0000\n\nm\n",
        100,
      ],
      [
        "a committer line in the message does not count",
        "tree 1\nauthor a <a> 1 +0000\n\ncommitter c <c@x> 1559347200 +0000\n",
        undefined,
      ],
      ["no committer line", "tree 1\nauthor a <a> 1 +0000\n\nm\n", undefined],
      ["a date that is not a number", "tree 1\ncommitter c <c@x> soon +0000\n\nm\n", undefined],
      ["no '>'", "tree 1\ncommitter c 1559347200 +0000\n\nm\n", undefined],
      ["too large to be exact", "tree 1\ncommitter c <c> 99999999999999999999 +0000\n", undefined],
      ["unsigned: git printed nothing", "", undefined],
    ];
    for (const [name, payload, want] of cases) {
      assert.equal(parseCommittedAt(payload), want, name);
    }
  },
});

Deno.test({
  name: "withCommitTime() adds committedAt; a good signature without a committer date is bad",
  permissions: "none",
  fn() {
    const good: Verdict = {
      status: "good",
      format: "ssh",
      signer: "ssh SHA256:x a",
      message: "ok",
    };
    assert.deepEqual(withCommitTime(good, PAYLOAD), { ...good, committedAt: 1579046400 });
    const unsigned: Verdict = {
      status: "unsigned",
      format: "none",
      signer: "",
      message: "no signature",
    };
    // no committedAt key at all: the unsigned verdict stays exactly what it was
    assert.deepEqual(withCommitTime(unsigned, ""), unsigned);
    assert.ok(!("committedAt" in withCommitTime(unsigned, "")));
    assert.deepEqual(withCommitTime(good, "tree 1\nauthor a <a> 1 +0000\n\nm\n"), {
      status: "bad",
      format: "ssh",
      signer: "",
      message: "ok, but the signed commit has no committer date hoist can read",
    });
  },
});
