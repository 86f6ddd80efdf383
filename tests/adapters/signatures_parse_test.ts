/**
 * The pure half of the signatures adapter, fed with what git 2.39.5, gpg 2.2.40 and OpenSSH 9.2
 * really printed (captured from the runs in tests/integration/signatures_test.ts and by hand with
 * the same tools; anything not captured is marked "synthetic").
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  allowedSignersAt,
  catCommitArgs,
  explainNotValidNow,
  GNUPG_CONF,
  importArgs,
  judgeCertificateNow,
  keyringStamp,
  parseAllowedSigners,
  parseCommittedAt,
  parseImport,
  parseSshTime,
  parseVerifyCommit,
  signedByCertificate,
  sshSignatureCerts,
  type Verdict,
  verifyArgs,
  withCommitTime,
} from "../../lib/adapters/signatures.ts";
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
    "verifyArgs() pins gpg, ssh-keygen and gpgsm over the cache's config, then verify-commit --verbose --raw",
  permissions: "none",
  fn() {
    assert.deepEqual(verifyArgs("/s/cache", "abc123", "/s/trust/allowed_signers.none"), [
      "-C",
      "/s/cache",
      "-c",
      "gpg.program=gpg",
      "-c",
      "gpg.openpgp.program=gpg",
      "-c",
      "gpg.ssh.program=ssh-keygen",
      "-c",
      "gpg.x509.program=gpgsm",
      "-c",
      "gpg.ssh.allowedSignersFile=/s/trust/allowed_signers.none",
      "verify-commit",
      "--verbose",
      "--raw",
      "abc123",
    ]);
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

// ---------------------------------------------------------------------------------------------
// allowed_signers, read as OpenSSH 9.2's sshsig.c reads it, judged at hoist's time

// ssh-keygen -t ed25519 / -t rsa -b 1024 / -t ecdsa, and `ssh-keygen -l` of each
const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEMYxCRgwlbTdkbr3RRS7DW8pYQ1f9D9qG544qRK54tB";
const ED_FPR = "SHA256:6NlpzqULsfWZU7cZ1Kp0tnm83rh8Nmw1HuBQGYhtSNA";
const RSA_B64 =
  "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDK6XAyXCoS+rIx4iXnl4bfgXinbFeS1LhREAkyOM/gZW+KFiiLzs8dzQTVcyHeGcefOMz/u9y/zyw3fQKJzHSTMq62So6SjPpzRNlC8WBYdvZvfw3CAQ8ZDCCXn7soZytQg1fwnuA3/OjcY0sDEWdsxosX4Z6KNYa7CVP6Rmr+Gw==";
const RSA_FPR = "SHA256:mxcPz2klSrtre99Ygtw4JZUan+D9R6TKYqMPJbxhDuA";
const ECDSA =
  "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDneeHlRH/sBl/Yq8FPshjj6KB2psDASvGk8IbVfbDkyB2nr6vo5h3chlx3Xul3J9dj7qf5Dh7RtDY0P92BdHOs=";
const ECDSA_FPR = "SHA256:hGr40wN/RkV4mzqcQwSbrn78m3TZa8Z5WLWMfo1+tPU";
const CA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH2jeuEWk9dpAoiZmGUrVaS5zhY9ikfW9Fby5twqGHLQ";
const CA_FPR = "SHA256:rVZ7s8acqrLklxEcv2UtMqb2L15/xRSROnt1SsFyVPI";

const UTC = () => 0;
const BERLIN = () => 3600; // standard time, all year (ssh-keygen's mktime with tm_isdst = 0)

Deno.test({
  name: "parseSshTime() reads valid-after/valid-before values as ssh-keygen's parse_absolute_time",
  permissions: "none",
  fn() {
    const cases: [string, () => number, number | undefined][] = [
      ["20200101Z", UTC, 1577836800],
      ["20200101z", UTC, 1577836800],
      ["20200101UTC", BERLIN, 1577836800],
      ["20200101utc", BERLIN, 1577836800],
      ["202001011230Z", UTC, 1577881800],
      ["20200101123015Z", UTC, 1577881815],
      ["20200101123060Z", UTC, 1577881860], // strptime takes second 60; timegm carries it
      ["20200231Z", UTC, 1583107200], // February 31st carries into March 2nd (ssh-keygen says so too)
      ["20200101", UTC, 1577836800], // no Z: local time, here UTC
      // no Z in Berlin: standard time even in July (ssh-keygen under TZ=Europe/Berlin agrees)
      ["202007011200", BERLIN, 1593604800 - 3600],
      ["19700101000001Z", UTC, 1],
      // refused by ssh-keygen 9.2 ("invalid "valid-before" time")
      ["2020-01-01", UTC, undefined],
      ["20201301", UTC, undefined],
      ["20200132", UTC, undefined],
      ["2020010112Z", UTC, undefined],
      ["2020010112", UTC, undefined],
      ["20200101T1200Z", UTC, undefined],
      ["19691231Z", UTC, undefined],
      ["Z", UTC, undefined],
      ["", UTC, undefined],
      [" 20200101", UTC, undefined],
    ];
    for (const [text, offset, want] of cases) {
      assert.equal(parseSshTime(text, offset), want, JSON.stringify(text));
    }
  },
});

/** What one line parses to: a signer's fields, a problem, or nothing (comment/blank). */
type LineWant =
  | {
    principals: string;
    options: string[];
    certAuthority?: boolean;
    namespaces?: string;
    key?: string;
    fingerprint?: string;
    validAfter?: number;
    validBefore?: number;
  }
  | { problem: string }
  | "ignored";

// Each line was also fed to `ssh-keygen -Y find-principals` (OpenSSH 9.2); its verdict is in the
// name: "accepted", or the error it logged for the line.
const LINES: [string, string, LineWant][] = [
  ["accepted: principal and key", `alice ${ED}`, {
    principals: "alice",
    options: [],
    certAuthority: false,
    key: ED,
    fingerprint: ED_FPR,
  }],
  ["accepted: a key comment is kept with the key", `alice ${ED} alice@laptop 2026`, {
    principals: "alice",
    options: [],
    key: `${ED} alice@laptop 2026`,
  }],
  ["accepted: a list of principals", `a,b@example.com,*@ops.example ${ED}`, {
    principals: "a,b@example.com,*@ops.example",
    options: [],
  }],
  [
    "accepted: quoted principals holding a space and a comma",
    `"bob smith,carol" namespaces="git" ${ED}`,
    { principals: "bob smith,carol", options: ['namespaces="git"'], namespaces: "git" },
  ],
  [
    "accepted: namespaces, valid-after and valid-before; the time options are not kept",
    `alice namespaces="git",valid-after="20200101Z",valid-before="20270101Z" ${ED}`,
    {
      principals: "alice",
      options: ['namespaces="git"'],
      namespaces: "git",
      validAfter: 1577836800,
      validBefore: 1798761600,
    },
  ],
  [
    "accepted: a comma inside a quoted value",
    `alice namespaces="git,file",valid-before="20270101Z" ${ED}`,
    {
      principals: "alice",
      options: ['namespaces="git,file"'],
      namespaces: "git,file",
      validBefore: 1798761600,
    },
  ],
  [
    'accepted: \\" inside a quoted value',
    `alice namespaces="g\\"it" ${ED}`,
    { principals: "alice", options: ['namespaces="g\\"it"'], namespaces: 'g"it' },
  ],
  [
    "accepted: a space inside a quoted value",
    `alice namespaces="g it",cert-authority ${CA}`,
    {
      principals: "alice",
      options: ['namespaces="g it"', "cert-authority"],
      namespaces: "g it",
      certAuthority: true,
      fingerprint: CA_FPR,
    },
  ],
  ["accepted: option names in any case", `alice NAMESPACES="git",Valid-Before="20270101Z" ${ED}`, {
    principals: "alice",
    options: ['NAMESPACES="git"'],
    namespaces: "git",
    validBefore: 1798761600,
  }],
  ["accepted: cert-authority", `*@example.com cert-authority ${CA}`, {
    principals: "*@example.com",
    options: ["cert-authority"],
    certAuthority: true,
  }],
  ["accepted: an empty option before the first", `alice ,namespaces="git" ${ED}`, {
    principals: "alice",
    options: ['namespaces="git"'],
  }],
  [
    "accepted: an empty option in the middle",
    `alice namespaces="git",,valid-after="20200101Z" ${ED}`,
    { principals: "alice", options: ['namespaces="git"'], validAfter: 1577836800 },
  ],
  ["accepted: tabs and leading blanks", `\t  alice\tnamespaces="git"\t${ED}`, {
    principals: "alice",
    options: ['namespaces="git"'],
  }],
  ["accepted: a CRLF line", `alice ${ED}\r`, { principals: "alice", options: [], key: ED }],
  ["accepted: an rsa key", `alice ssh-rsa ${RSA_B64}`, {
    principals: "alice",
    options: [],
    fingerprint: RSA_FPR,
  }],
  ["accepted: an rsa key named by its signature type", `alice rsa-sha2-512 ${RSA_B64}`, {
    principals: "alice",
    options: [],
    fingerprint: RSA_FPR,
  }],
  ["accepted: an ecdsa key", `alice ${ECDSA}`, {
    principals: "alice",
    options: [],
    fingerprint: ECDSA_FPR,
  }],
  ["ignored: a comment", `# alice ${ED}`, "ignored"],
  ["ignored: an indented comment", `   # retired 2025`, "ignored"],
  ['ignored: a blank line (ssh-keygen logs "missing key" and skips it)', "", "ignored"],
  ['ignored: blanks only (ssh-keygen logs "missing key" and skips it)', " \t ", "ignored"],
  ["invalid line: an unclosed quote in the principals", `"alice ${ED}`, {
    problem: "invalid line: a quote in the principals is not closed",
  }],
  ["missing key: a principal alone", "alice", { problem: "missing key" }],
  ["missing key: a principal and blanks", "alice   ", { problem: "missing key" }],
  ["missing key: options and no key", 'alice namespaces="git"', { problem: "missing key" }],
  ["invalid key (ssh-keygen: missing key): a key type alone", "alice ssh-ed25519", {
    problem: "invalid key: no key after ssh-ed25519",
  }],
  ["invalid key: base64 that is no key", "alice ssh-ed25519 AAAAnotakey", {
    problem: "invalid key: the key data is not a ssh-ed25519 key",
  }],
  ["invalid key: not base64", "alice ssh-ed25519 AAAA!not", {
    problem: "invalid key: the ssh-ed25519 key is not base64",
  }],
  ["invalid key: an ed25519 key named ssh-rsa", `alice ssh-rsa ${ED.split(" ")[1]}`, {
    problem: "invalid key: the key data is not a ssh-rsa key",
  }],
  ["invalid key: a key after options that does not read", `alice namespaces="git" AAAA`, {
    problem: 'invalid key: unknown key type "AAAA"',
  }],
  ["invalid options: an unclosed quote in an option", `alice namespaces="git ${ED}`, {
    problem: "invalid options: a quote is not closed",
  }],
  ["bad options: unknown key option", `alice foo="bar" ${ED}`, {
    problem: 'bad options: unknown key option "foo=\\"bar\\""',
  }],
  [
    "bad options: a quoted principal glued to more text (the rest is read as an option)",
    `"bob smith",carol ${ED}`,
    { problem: 'bad options: unknown key option "carol"' },
  ],
  ["bad options: text after a quote in the principals", `a"b c"d ${ED}`, {
    problem: 'bad options: unknown key option "d"',
  }],
  ["bad options: cert-authority glued to more", `alice cert-authorityx ${CA}`, {
    problem: 'bad options: unknown key option "cert-authorityx"',
  }],
  ["bad options: missing start quote", `alice namespaces=git ${ED}`, {
    problem: "bad options: missing start quote",
  }],
  ["bad options: unexpected end-of-options", `alice namespaces="git", ${ED}`, {
    problem: "bad options: unexpected end-of-options",
  }],
  ["bad options: multiple namespaces", `alice namespaces="git",namespaces="x" ${ED}`, {
    problem: 'bad options: multiple "namespaces" clauses',
  }],
  [
    "bad options: multiple valid-after",
    `alice valid-after="20200101Z",valid-after="20200102Z" ${ED}`,
    { problem: 'bad options: multiple "valid-after" clauses' },
  ],
  [
    "bad options: valid-before before valid-after",
    `alice valid-after="20300101Z",valid-before="20200101Z" ${ED}`,
    { problem: 'bad options: "valid-before" time is before "valid-after"' },
  ],
  ["bad options: a time of 0 (ssh-keygen reads it as unset)", `a valid-before="19700101Z" ${ED}`, {
    problem: 'bad options: invalid "valid-before" time "19700101Z"',
  }],
  ["bad options: an ISO date", `alice valid-before="2027-01-01" ${ED}`, {
    problem: 'bad options: invalid "valid-before" time "2027-01-01"',
  }],
  ["bad options: month 13", `alice valid-after="20201301Z" ${ED}`, {
    problem: 'bad options: invalid "valid-after" time "20201301Z"',
  }],
];

for (const [name, line, want] of LINES) {
  Deno.test({
    name: `parseAllowedSigners(): ${name}`,
    permissions: "none",
    fn() {
      const { lines, problems } = parseAllowedSigners(`# header\n${line}\n`, UTC);
      assert.deepEqual(lines[0], { kind: "other", text: "# header" });
      if (want === "ignored") {
        assert.deepEqual(problems, []);
        assert.equal(lines[1]?.kind, "other");
        return;
      }
      if ("problem" in want) {
        assert.deepEqual(problems, [{ line: 2, message: want.problem }]);
        assert.equal(lines.length, 1);
        return;
      }
      assert.deepEqual(problems, []);
      const entry = lines[1];
      assert.ok(entry?.kind === "signer", JSON.stringify(lines));
      const s = entry.signer;
      assert.equal(s.line, 2);
      assert.equal(s.principals, want.principals);
      assert.deepEqual(s.options, want.options);
      if (want.certAuthority !== undefined) assert.equal(s.certAuthority, want.certAuthority);
      if (want.namespaces !== undefined) assert.equal(s.namespaces, want.namespaces);
      if (want.key !== undefined) assert.equal(s.key, want.key);
      if (want.fingerprint !== undefined) assert.equal(s.fingerprint, want.fingerprint);
      assert.equal(s.validAfter?.at, want.validAfter);
      assert.equal(s.validBefore?.at, want.validBefore);
    },
  });
}

Deno.test({
  name: "parseAllowedSigners() names every bad line, and a namespace-less line allows any",
  permissions: "none",
  fn() {
    const text = `alice ${ED}\nbob foo="x" ${ED}\n\n# c\ncarol\n`;
    const { lines, problems } = parseAllowedSigners(text, UTC);
    assert.deepEqual(problems, [
      { line: 2, message: 'bad options: unknown key option "foo=\\"x\\""' },
      { line: 5, message: "missing key" },
    ]);
    assert.equal(lines[0]?.kind === "signer" && lines[0].signer.namespaces, undefined);
  },
});

const AT = (iso: string) => new Date(iso);

Deno.test({
  name: "allowedSignersAt() keeps the lines valid now, without the time options, on the same lines",
  permissions: "none",
  fn() {
    const text = [
      "# team keys",
      `retired@example.com namespaces="git",valid-before="20200101Z" ${ED}`,
      "",
      `"new hire" valid-after="20990101Z",namespaces="git" ${ED} new`,
      `current@example.com valid-after="20200101Z",namespaces="git",valid-before="20990101Z" ${ED}`,
      `*@example.com cert-authority,valid-before="20990101Z" ${CA}`,
      `plain ${ED}`,
    ].join("\n");
    const at = allowedSignersAt(parseAllowedSigners(text, UTC), AT("2026-12-01T20:00:00Z"));
    assert.equal(
      at.text,
      [
        "# team keys",
        '# hoist: left out, valid-before="20200101Z" (2020-01-01T00:00:00Z) has passed',
        "",
        '# hoist: left out, valid-after="20990101Z" (2099-01-01T00:00:00Z) is still to come',
        `current@example.com namespaces="git" ${ED}`,
        `*@example.com cert-authority ${CA}`,
        `plain ${ED}`,
        "",
      ].join("\n"),
    );
    assert.deepEqual(at.valid.map((s) => s.line), [5, 6, 7]);
    assert.deepEqual(at.dropped.map((d) => d.signer.line), [2, 4]);
  },
});

Deno.test({
  name:
    "allowedSignersAt() follows ssh-keygen to the second: valid from valid-after through valid-before",
  permissions: "none",
  fn() {
    const parsed = parseAllowedSigners(
      `a valid-after="20200101000000Z",valid-before="20200101000010Z" ${ED}\n`,
      UTC,
    );
    const valid = (iso: string) => allowedSignersAt(parsed, AT(iso)).valid.length === 1;
    assert.equal(valid("2019-12-31T23:59:59.999Z"), false);
    assert.equal(valid("2020-01-01T00:00:00Z"), true);
    assert.equal(valid("2020-01-01T00:00:10.999Z"), true);
    assert.equal(valid("2020-01-01T00:00:11Z"), false);
  },
});

Deno.test({
  name: "allowedSignersAt(): the copy reads back as the same signers (quotes, tabs, odd spacing)",
  permissions: "none",
  fn() {
    const text = [
      `"bob smith,carol"  namespaces="g\\"it",valid-before="20990101Z" ${ED}`,
      `\talice\t,NAMESPACES="git,file",,cert-authority\t${CA} the CA`,
      `"#hash" ${ED}`,
      `"" ${ED}`,
      `x valid-after="20200101Z" ${ED}`,
    ].join("\n");
    const first = parseAllowedSigners(text, UTC);
    assert.deepEqual(first.problems, []);
    const copy = allowedSignersAt(first, AT("2026-01-01T00:00:00Z")).text;
    const again = parseAllowedSigners(copy, UTC);
    assert.deepEqual(again.problems, []);
    const strip = (p: typeof first) =>
      p.lines.flatMap((l) =>
        l.kind === "signer" ? [{ ...l.signer, validAfter: undefined, validBefore: undefined }] : []
      );
    assert.deepEqual(strip(again), strip(first));
  },
});

Deno.test({
  name: "explainNotValidNow() says an ssh key is in allowed_signers but not valid now",
  permissions: "none",
  fn() {
    const file = "/etc/hoist/allowed_signers";
    const now = AT("2026-12-01T20:00:00Z");
    const untrusted = (fpr: string, type = "ED25519"): Verdict => ({
      status: "untrusted",
      format: "ssh",
      signer: `ssh ${fpr}`,
      message: `Good "git" signature with ${type} key ${fpr}; No principal matched.`,
    });
    const at = (text: string) => allowedSignersAt(parseAllowedSigners(text, UTC), now);
    const retired = at(`# keys\nalice@example.com valid-before="20200101Z" ${ED}\n`);
    assert.deepEqual(explainNotValidNow(untrusted(ED_FPR), retired, file, now), {
      ...untrusted(ED_FPR),
      message: `ssh key ${ED_FPR} is not valid now (2026-12-01T20:00:00Z); ` +
        `${file}:2 (alice@example.com): valid-before="20200101Z" (2020-01-01T00:00:00Z) has passed`,
    });
    const early = at(`bob valid-after="20990101Z" ${ED}\n`);
    assert.match(
      explainNotValidNow(untrusted(ED_FPR), early, file, now).message,
      /:1 \(bob\): valid-after="20990101Z" \(2099-01-01T00:00:00Z\) is still to come$/,
    );
    // another key, the same key valid on another line, or a gpg verdict: left as they are
    assert.deepEqual(
      explainNotValidNow(untrusted(RSA_FPR), retired, file, now),
      untrusted(RSA_FPR),
    );
    const both = at(`a valid-before="20200101Z" ${ED}\nb ${ED}\n`);
    assert.deepEqual(explainNotValidNow(untrusted(ED_FPR), both, file, now), untrusted(ED_FPR));
    const gpg: Verdict = { status: "untrusted", format: "gpg", signer: "gpg X", message: "m" };
    assert.deepEqual(explainNotValidNow(gpg, retired, file, now), gpg);
    // a certificate: only when no cert-authority line is valid now
    const caGone = at(`*@example.com cert-authority,valid-before="20200101Z" ${CA}\n`);
    assert.match(
      explainNotValidNow(untrusted("SHA256:cert", "ED25519-CERT"), caGone, file, now).message,
      /^ssh certificate SHA256:cert is not valid now .*:1 \(\*@example\.com\): valid-before/,
    );
    const caToo = at(
      `*@example.com cert-authority,valid-before="20200101Z" ${CA}\n` +
        `*@example.org cert-authority ${CA}\n`,
    );
    assert.deepEqual(
      explainNotValidNow(untrusted("SHA256:cert", "ED25519-CERT"), caToo, file, now),
      untrusted("SHA256:cert", "ED25519-CERT"),
    );
  },
});

// ---------------------------------------------------------------------------------------------
// ssh certificates: their own validity window, judged at hoist's time

// git 2.39.5 `cat-file commit` of a commit signed with a user certificate made by
// `ssh-keygen -s ca -I u-id -n carol@example.com -V 20200101:20200201 u.pub` (TZ=UTC)
const CERT_COMMIT = `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
parent 95e5a296080660df822acc6774fe2897b227bab5
author t <t@x> 1796156008 +0000
committer t <t@x> 1579046400 +0000
gpgsig -----BEGIN SSH SIGNATURE-----
 U1NIU0lHAAAAAQAAAcUAAAAgc3NoLWVkMjU1MTktY2VydC12MDFAb3BlbnNzaC5jb20AAA
 Agw5sugNVzbNhV6Ta3JEjV0BJ7u50SuAiVdBHOTU6Gq+sAAAAg7gWC/6K+AfGzeFnsYey/
 KdqbSf5NWlY8Qv1Og5PfpTsAAAAAAAAAAAAAAAEAAAAEdS1pZAAAABUAAAARY2Fyb2xAZX
 hhbXBsZS5jb20AAAAAXgvhAAAAAABeNL+AAAAAAAAAAIIAAAAVcGVybWl0LVgxMS1mb3J3
 YXJkaW5nAAAAAAAAABdwZXJtaXQtYWdlbnQtZm9yd2FyZGluZwAAAAAAAAAWcGVybWl0LX
 BvcnQtZm9yd2FyZGluZwAAAAAAAAAKcGVybWl0LXB0eQAAAAAAAAAOcGVybWl0LXVzZXIt
 cmMAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTkAAAAgfaN64RaT12kCiJmYZStVpLnOFj
 2KR9b0VvLm3CoYctAAAABTAAAAC3NzaC1lZDI1NTE5AAAAQKya5BBuCKwn/oFZc8cPXTRT
 OpjJS7vv8QlT8NWRyMxVcFrseOLNanTbug9kX4jo6xmyS/0GAgvNEEkJMYNNeg8AAAADZ2
 l0AAAAAAAAAAZzaGE1MTIAAABTAAAAC3NzaC1lZDI1NTE5AAAAQGeEOnq8lbrzx64KXb87
 k0qWDTIw+/SATh/nyDpaNHiiQg/xoSwE0ScAFISDYCESgz+hgSWOj2dt92UY2gXaNgw=
 -----END SSH SIGNATURE-----

certsigned2
`;

// the same, of a commit signed with a plain ed25519 key
const KEY_COMMIT = `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
parent 8f96a814ecb145d9ace5655556dbd2cd62e1fefc
author t <t@x> 1796155377 +0000
committer t <t@x> 1796155377 +0000
gpgsig -----BEGIN SSH SIGNATURE-----
 U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgQxjEJGDCVtN2RuvdFFLsNbylhD
 V/0P2obnjipErni0EAAAADZ2l0AAAAAAAAAAZzaGE1MTIAAABTAAAAC3NzaC1lZDI1NTE5
 AAAAQJQedBSSiCNUCFaeBre/i5/NSZi7itRHMfeVPeMp7HA+gJo+4MW4I4p2OCD/G8xreU
 uxcUfynLGxdrHiCYNs3gk=
 -----END SSH SIGNATURE-----

now
`;

Deno.test({
  name: "sshSignatureCerts() reads the certificate's key id and window from the commit's signature",
  permissions: "none",
  fn() {
    assert.deepEqual(sshSignatureCerts(CERT_COMMIT), {
      certs: [{ keyId: "u-id", validAfter: 1577836800n, validBefore: 1580515200n }],
    });
    assert.deepEqual(sshSignatureCerts(KEY_COMMIT), { certs: [] });
    assert.deepEqual(sshSignatureCerts("tree 1\nauthor a <a> 1 +0000\n\nunsigned\n"), {
      certs: [],
    });
    // cut short inside the certificate, or without its END line: an error, never "no certificate"
    const lines = CERT_COMMIT.split("\n");
    const cut = [...lines.slice(0, 7), ...lines.slice(16)].join("\n");
    assert.ok("error" in sshSignatureCerts(cut), JSON.stringify(sshSignatureCerts(cut)));
    const noEnd = CERT_COMMIT.replace(" -----END SSH SIGNATURE-----\n", "");
    assert.deepEqual(sshSignatureCerts(noEnd), { error: "the ssh signature has no END line" });
  },
});

Deno.test({
  name:
    "judgeCertificateNow() refuses a good certificate signature outside the certificate's window",
  permissions: "none",
  fn() {
    const good: Verdict = {
      status: "good",
      format: "ssh",
      signer: "ssh SHA256:ddB9GqiE2wc8zO/w1h5O/xvejftRPN6sebUfDuTQ2UQ carol@example.com",
      message:
        'Good "git" signature for carol@example.com with ED25519-CERT key SHA256:ddB9GqiE2wc8zO/w1h5O/xvejftRPN6sebUfDuTQ2UQ',
      committedAt: 1579046400,
    };
    assert.equal(signedByCertificate(good), true);
    assert.equal(
      signedByCertificate({ ...good, message: good.message.replace("-CERT", "") }),
      false,
    );
    assert.deepEqual(judgeCertificateNow(good, CERT_COMMIT, AT("2020-01-15T00:00:00Z")), good);
    assert.deepEqual(judgeCertificateNow(good, CERT_COMMIT, AT("2026-12-01T20:00:00Z")), {
      ...good,
      status: "untrusted",
      message: `${good.message}, but its certificate "u-id" is not valid now ` +
        "(2026-12-01T20:00:00Z): valid before 2020-02-01T00:00:00Z",
    });
    // ssh-keygen: valid while now < valid before, from valid after on
    assert.equal(judgeCertificateNow(good, CERT_COMMIT, AT("2020-01-31T23:59:59Z")).status, "good");
    assert.equal(
      judgeCertificateNow(good, CERT_COMMIT, AT("2020-02-01T00:00:00Z")).status,
      "untrusted",
    );
    assert.equal(judgeCertificateNow(good, CERT_COMMIT, AT("2020-01-01T00:00:00Z")).status, "good");
    assert.match(
      judgeCertificateNow(good, CERT_COMMIT, AT("2019-12-31T23:59:59Z")).message,
      /certificate "u-id" is not valid now \(2019-12-31T23:59:59Z\): valid after 2020-01-01T00:00:00Z$/,
    );
    // a certificate verdict without a readable certificate is never good
    assert.equal(
      judgeCertificateNow(good, KEY_COMMIT, AT("2020-01-15T00:00:00Z")).status,
      "untrusted",
    );
    assert.equal(
      judgeCertificateNow(good, undefined, AT("2020-01-15T00:00:00Z")).status,
      "untrusted",
    );
    assert.deepEqual(catCommitArgs("/s/cache", "abc123"), [
      "-C",
      "/s/cache",
      "cat-file",
      "commit",
      "abc123",
    ]);
  },
});
