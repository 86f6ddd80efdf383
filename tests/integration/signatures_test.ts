/**
 * The signatures adapter against real git, gpg and ssh-keygen, with every key generated here:
 * commits signed in a scratch repository, fetched into a bare cache, verified by hoist against an
 * isolated keyring holding only the configured keys.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import { createRunner, type Runner } from "../../lib/adapters/run_command.ts";
import { countingRunner } from "../support/counting_runner.ts";
import { createFakeHost } from "../support/fake_host.ts";
import { gnupgHome, stampFile } from "../../lib/adapters/ensure_keyring.ts";
import {
  createSignatures,
  SSH_KEYGEN_NOW,
  sshKeygenWrapper,
} from "../../lib/adapters/signatures.ts";
import { HoistError } from "../../lib/errors.ts";
import type { SignatureResult, TrustKeys } from "../../lib/trust/types.ts";
import {
  captureIo,
  type CliRun,
  EXAMPLE_HOST,
  exampleFiles,
  makeRepo,
  readFilesUnder,
  show as showRun,
  skipWithoutQuadlet,
  withTempDir,
  writeConfig,
} from "./helpers.ts";
import { buildDeps } from "../../lib/deps.ts";
import { runCli } from "../../lib/cli/program.ts";
import {
  commitAs,
  gpgSigner,
  revokeGpgKey,
  signAt,
  sshCa,
  sshCertSigner,
  sshSigner,
  sshTime,
  stopAgents,
} from "./signing.ts";

const ENV = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  LC_ALL: "C",
  GIT_AUTHOR_NAME: "hoist tests",
  GIT_AUTHOR_EMAIL: "tests@example.invalid",
  GIT_COMMITTER_NAME: "hoist tests",
  GIT_COMMITTER_EMAIL: "tests@example.invalid",
};

/** Runs a program; throws with its stderr when it fails; returns stdout. */
async function sh(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string } = {},
): Promise<string> {
  const child = new Deno.Command(cmd, {
    args,
    env: { ...ENV, ...opts.env },
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}): ${dec.decode(out.stderr)}`,
    );
  }
  return dec.decode(out.stdout);
}

/** Everything the cases share: keys, a repository of signed commits, a bare cache. */
interface Fixture {
  readonly dir: string;
  readonly cache: string;
  /** The signer's own GNUPGHOME (holds alice, carol AND mallory, with their secret keys). */
  readonly signerHome: string;
  readonly fpr: { alice: string; carol: string; mallory: string };
  /** Armored public key files. */
  readonly asc: { alice: string; carol: string; mallory: string };
  readonly allowedSigners: string;
  /** SHA256:… fingerprints of the ssh keys. */
  readonly sshFpr: { alice: string; eve: string };
  readonly commits: Record<
    | "unsigned"
    | "gpgAlice"
    | "gpgCarolSubkey"
    | "gpgMallory"
    | "sshAlice"
    | "sshEve"
    | "gpgAliceEditedMessage"
    | "gpgAliceFlippedByte"
    | "sshAliceFlippedByte",
    string
  >;
}

async function genGpgKey(home: string, uid: string, usage: "sign" | "cert"): Promise<string> {
  await sh("gpg", [
    "--batch",
    "--pinentry-mode",
    "loopback",
    "--passphrase",
    "",
    "--quick-gen-key",
    uid,
    "ed25519",
    usage,
    "never",
  ], { env: { GNUPGHOME: home } });
  const colons = await sh("gpg", ["--with-colons", "--list-keys", uid], {
    env: { GNUPGHOME: home },
  });
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1];
  assert.ok(fpr, colons);
  return fpr;
}

/** Replaces `from` (which must occur) in the raw commit object and writes the result. */
async function rewriteCommit(cache: string, commit: string, from: string, to: string) {
  const raw = await sh("git", ["-C", cache, "cat-file", "commit", commit]);
  assert.ok(raw.includes(from), `${from} not in\n${raw}`);
  const forged = raw.replace(from, to);
  return (await sh("git", ["-C", cache, "hash-object", "-t", "commit", "-w", "--stdin"], {
    stdin: forged,
  })).trim();
}

/** Flips one base64 character in the middle of the commit's signature block. */
async function flipSignatureByte(cache: string, commit: string) {
  const raw = await sh("git", ["-C", cache, "cat-file", "commit", commit]);
  const sigLines = raw.split("\n").filter((l) => /^ [A-Za-z0-9+/]{40,}$/.test(l));
  const line = sigLines[Math.floor(sigLines.length / 2)];
  assert.ok(line, `no signature block in\n${raw}`);
  const at = 20;
  const flipped = line.slice(0, at) + (line[at] === "A" ? "B" : "A") + line.slice(at + 1);
  return await rewriteCommit(cache, commit, line, flipped);
}

async function makeFixture(dir: string): Promise<Fixture> {
  const signerHome = `${dir}/signer-gnupg`;
  await Deno.mkdir(signerHome, { mode: 0o700 });
  const alice = await genGpgKey(signerHome, "Alice <alice@example.com>", "sign");
  const mallory = await genGpgKey(signerHome, "Mallory <mallory@example.com>", "sign");
  // carol's primary key only certifies; her commits are signed by a signing subkey
  const carol = await genGpgKey(signerHome, "Carol <carol@example.com>", "cert");
  await sh("gpg", [
    "--batch",
    "--pinentry-mode",
    "loopback",
    "--passphrase",
    "",
    "--quick-add-key",
    carol,
    "ed25519",
    "sign",
    "never",
  ], { env: { GNUPGHOME: signerHome } });
  const asc = {
    alice: `${dir}/alice.asc`,
    carol: `${dir}/carol.asc`,
    mallory: `${dir}/mallory.asc`,
  };
  for (const [name, fpr] of [["alice", alice], ["carol", carol], ["mallory", mallory]] as const) {
    const armored = await sh("gpg", ["--armor", "--export", fpr], {
      env: { GNUPGHOME: signerHome },
    });
    await Deno.writeTextFile(asc[name], armored);
  }

  const sshFpr = { alice: "", eve: "" };
  for (const name of ["alice", "eve"] as const) {
    await sh("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      name,
      "-f",
      `${dir}/ssh_${name}`,
    ]);
    const line = await sh("ssh-keygen", ["-l", "-f", `${dir}/ssh_${name}.pub`]);
    sshFpr[name] = line.split(" ")[1]!;
  }
  const alicePub = (await Deno.readTextFile(`${dir}/ssh_alice.pub`)).split(" ").slice(0, 2).join(
    " ",
  );
  const allowedSigners = `${dir}/allowed_signers`;
  await Deno.writeTextFile(allowedSigners, `alice@example.com namespaces="git" ${alicePub}\n`);

  const repo = `${dir}/repo`;
  await sh("git", ["init", "--quiet", "-b", "main", repo]);
  /** Commits with `sign` config and `-S`; unsigned when `sign` is null. */
  const commit = async (message: string, sign: string[] | null) => {
    const flags = sign === null ? ["commit", "--no-gpg-sign"] : [...sign, "commit", "-S"];
    await sh("git", ["-C", repo, ...flags, "--quiet", "--allow-empty", "-m", message], {
      env: { GNUPGHOME: signerHome },
    });
    return (await sh("git", ["-C", repo, "rev-parse", "HEAD"])).trim();
  };
  const gpgSign = (key: string) => ["-c", "gpg.program=gpg", "-c", `user.signingkey=${key}`];
  const sshSign = (key: string) => [
    "-c",
    "gpg.format=ssh",
    "-c",
    `user.signingkey=${dir}/ssh_${key}.pub`,
  ];
  const unsigned = await commit("unsigned", null);
  const gpgAlice = await commit("signed by alice (gpg)", gpgSign(alice));
  const gpgCarolSubkey = await commit("signed by carol's subkey (gpg)", gpgSign(carol));
  const gpgMallory = await commit("signed by mallory (gpg)", gpgSign(mallory));
  const sshAlice = await commit("signed by alice (ssh)", sshSign("alice"));
  const sshEve = await commit("signed by eve (ssh)", sshSign("eve"));

  const cache = `${dir}/cache.git`;
  await sh("git", ["clone", "--quiet", "--bare", repo, cache]);
  const gpgAliceEditedMessage = await rewriteCommit(
    cache,
    gpgAlice,
    "signed by alice (gpg)",
    "signed by alice (gpg), deploy evil",
  );
  const gpgAliceFlippedByte = await flipSignatureByte(cache, gpgAlice);
  const sshAliceFlippedByte = await flipSignatureByte(cache, sshAlice);
  return {
    dir,
    cache,
    signerHome,
    fpr: { alice, carol, mallory },
    asc,
    allowedSigners,
    sshFpr,
    commits: {
      unsigned,
      gpgAlice,
      gpgCarolSubkey,
      gpgMallory,
      sshAlice,
      sshEve,
      gpgAliceEditedMessage,
      gpgAliceFlippedByte,
      sshAliceFlippedByte,
    },
  };
}

const show = (r: SignatureResult | undefined) => JSON.stringify(r, null, 1);

Deno.test("signatures: git verify-commit against only the configured gpg keys and ssh signers", async (t) => {
  await withTempDir(async (dir) => {
    try {
      const fx = await makeFixture(dir);
      const keys: TrustKeys = {
        gpgKeys: [fx.asc.alice, fx.asc.carol],
        allowedSigners: fx.allowedSigners,
      };
      let n = 0;
      const workDir = () => `${dir}/work-${++n}`;
      const verifyOne = async (commit: string, k: TrustKeys = keys, work = workDir()) => {
        const [r] = await createSignatures(createRunner(), createFs()).verify(
          fx.cache,
          [commit],
          k,
          work,
        );
        assert.ok(r);
        assert.equal(r.commit, commit);
        return r;
      };

      await t.step(
        "a commit signed by a configured gpg key is good; signer names its fingerprint and uid",
        async () => {
          const r = await verifyOne(fx.commits.gpgAlice);
          assert.equal(r.status, "good", show(r));
          assert.equal(r.format, "gpg");
          assert.equal(r.signer, `gpg ${fx.fpr.alice} Alice <alice@example.com>`);
          assert.match(r.message, /good gpg signature by Alice/);
        },
      );

      await t.step(
        "a signature by a configured key's signing subkey names the primary key",
        async () => {
          const r = await verifyOne(fx.commits.gpgCarolSubkey);
          assert.equal(r.status, "good", show(r));
          assert.equal(r.signer, `gpg ${fx.fpr.carol} Carol <carol@example.com>`);
        },
      );

      await t.step(
        "a commit signed by an allowed ssh key is good; signer names SHA256 and principal",
        async () => {
          const r = await verifyOne(fx.commits.sshAlice);
          assert.equal(r.status, "good", show(r));
          assert.equal(r.format, "ssh");
          assert.equal(r.signer, `ssh ${fx.sshFpr.alice} alice@example.com`);
          assert.match(r.signer, /^ssh SHA256:\S+ alice@example\.com$/);
        },
      );

      await t.step("an unsigned commit is unsigned", async () => {
        const r = await verifyOne(fx.commits.unsigned);
        assert.deepEqual(r, {
          commit: fx.commits.unsigned,
          status: "unsigned",
          format: "none",
          signer: "",
          message: "no signature",
        });
      });

      await t.step(
        "a gpg key from the signer's own keyring that is not configured is untrusted",
        async () => {
          // the signer's GNUPGHOME holds mallory's key too; hoist's keyring must not
          const r = await verifyOne(fx.commits.gpgMallory);
          assert.equal(r.status, "untrusted", show(r));
          assert.equal(r.format, "gpg");
          assert.equal(r.signer, `gpg ${fx.fpr.mallory}`);
        },
      );

      await t.step(
        "the keyring holds exactly the configured keys, in a 0700 folder, with no agent",
        async () => {
          const work = workDir();
          await verifyOne(fx.commits.gpgAlice, keys, work);
          const home = gnupgHome(work);
          const colons = await sh("gpg", ["--with-colons", "--list-keys"], {
            env: { GNUPGHOME: home },
          });
          const primaries = [...colons.matchAll(/^pub:.*\nfpr:+([0-9A-F]{40}):/gm)].map((m) =>
            m[1]
          );
          assert.deepEqual(primaries.sort(), [fx.fpr.alice, fx.fpr.carol].sort());
          assert.equal((await Deno.stat(home)).mode! & 0o777, 0o700);
          const entries = [...Deno.readDirSync(home)].map((e) => e.name);
          assert.ok(!entries.some((e) => e.startsWith("S.gpg-agent")), `agent socket: ${entries}`);
          const secrets = await sh("gpg", ["--with-colons", "--list-secret-keys"], {
            env: { GNUPGHOME: home },
          });
          assert.equal(secrets.trim(), "", "no secret key in hoist's keyring");
        },
      );

      await t.step("an ssh key missing from allowed_signers is untrusted", async () => {
        const r = await verifyOne(fx.commits.sshEve);
        assert.equal(r.status, "untrusted", show(r));
        assert.equal(r.format, "ssh");
        assert.equal(r.signer, `ssh ${fx.sshFpr.eve}`);
        assert.match(r.message, /No principal matched/);
      });

      await t.step("without allowed_signers every ssh signature is untrusted", async () => {
        const r = await verifyOne(fx.commits.sshAlice, { gpgKeys: [], allowedSigners: undefined });
        assert.equal(r.status, "untrusted", show(r));
        assert.equal(r.signer, `ssh ${fx.sshFpr.alice}`);
      });

      await t.step("without gpg keys every gpg signature is untrusted", async () => {
        const r = await verifyOne(fx.commits.gpgAlice, { gpgKeys: [], allowedSigners: undefined });
        assert.equal(r.status, "untrusted", show(r));
      });

      await t.step(
        "a commit whose message was edited under a valid gpg signature is bad",
        async () => {
          const r = await verifyOne(fx.commits.gpgAliceEditedMessage);
          assert.equal(r.status, "bad", show(r));
          assert.equal(r.signer, "");
          assert.match(r.message, /BAD gpg signature/);
        },
      );

      await t.step("a flipped byte in a gpg or ssh signature is never good", async () => {
        for (const c of [fx.commits.gpgAliceFlippedByte, fx.commits.sshAliceFlippedByte]) {
          const r = await verifyOne(c);
          assert.ok(r.status === "bad" || r.status === "untrusted", show(r));
        }
      });

      await t.step(
        "programs set in the cache's own config cannot fake a good signature",
        async () => {
          const cache = `${dir}/cache-edited.git`;
          await sh("git", ["clone", "--quiet", "--bare", fx.cache, cache]);
          // unpinned, git 2.39 runs this ssh-keygen and reports its "Good … for alice" with exit 0
          const fakeSsh = `${dir}/fake-ssh-keygen`;
          await Deno.writeTextFile(
            fakeSsh,
            `#!/bin/sh\necho 'Good "git" signature for alice@example.com with ED25519 key SHA256:evil'\n`,
            { mode: 0o755 },
          );
          const fakeGpg = `${dir}/fake-gpg`;
          await Deno.writeTextFile(
            fakeGpg,
            `#!/bin/sh\ncat >/dev/null\necho '[GNUPG:] GOODSIG AAAA Evil'\necho '[GNUPG:] VALIDSIG AAAA 2026-01-01 1 0 4 0 22 8 00 AAAA'\n`,
            { mode: 0o755 },
          );
          await sh("git", ["-C", cache, "config", "gpg.ssh.program", fakeSsh]);
          await sh("git", ["-C", cache, "config", "gpg.program", fakeGpg]);
          await sh("git", ["-C", cache, "config", "gpg.openpgp.program", fakeGpg]);
          const results = await createSignatures(createRunner(), createFs()).verify(
            cache,
            [fx.commits.sshEve, fx.commits.gpgMallory],
            keys,
            workDir(),
          );
          assert.deepEqual(results.map((r) => [r.status, r.signer]), [
            ["untrusted", `ssh ${fx.sshFpr.eve}`],
            ["untrusted", `gpg ${fx.fpr.mallory}`],
          ]);
        },
      );

      await t.step("several commits are verified in order, one git process each", async () => {
        const counting = countingRunner(createRunner());
        const work = workDir();
        const list = [fx.commits.unsigned, fx.commits.gpgAlice, fx.commits.sshAlice];
        const results = await createSignatures(counting.run, createFs()).verify(
          fx.cache,
          list,
          keys,
          work,
        );
        assert.deepEqual(results.map((r) => [r.commit, r.status]), [
          [fx.commits.unsigned, "unsigned"],
          [fx.commits.gpgAlice, "good"],
          [fx.commits.sshAlice, "good"],
        ]);
        assert.deepEqual(counting.calls.map((c) => c.cmd), ["gpg", "gpg", "git", "git", "git"]);
        for (const c of counting.calls) assert.equal(c.env?.GNUPGHOME, gnupgHome(work));
      });

      await t.step(
        "unchanged key files: the second verify spawns only git (the stamp skips gpg)",
        async () => {
          const counting = countingRunner(createRunner());
          const sigs = createSignatures(counting.run, createFs());
          const work = workDir();
          await sigs.verify(fx.cache, [fx.commits.gpgAlice], keys, work);
          assert.deepEqual(counting.calls.map((c) => c.cmd), ["gpg", "gpg", "git"]);
          counting.calls.length = 0;
          const [again] = await sigs.verify(fx.cache, [fx.commits.gpgAlice], keys, work);
          assert.equal(again?.status, "good");
          assert.deepEqual(counting.calls.map((c) => c.cmd), ["git"]);
          // a fresh adapter (the next hoist run) trusts the stamp on disk too
          counting.calls.length = 0;
          await createSignatures(counting.run, createFs()).verify(
            fx.cache,
            [fx.commits.gpgAlice],
            keys,
            work,
          );
          assert.deepEqual(counting.calls.map((c) => c.cmd), ["git"]);
        },
      );

      await t.step(
        "a changed key file rebuilds the keyring: the new key counts, the old one no longer",
        async () => {
          const counting = countingRunner(createRunner());
          const sigs = createSignatures(counting.run, createFs());
          const work = workDir();
          const extra = `${dir}/extra.asc`;
          await Deno.copyFile(fx.asc.carol, extra);
          const k: TrustKeys = { gpgKeys: [fx.asc.alice, extra], allowedSigners: undefined };
          const before = await sigs.verify(
            fx.cache,
            [fx.commits.gpgCarolSubkey, fx.commits.gpgMallory],
            k,
            work,
          );
          assert.deepEqual(before.map((r) => r.status), ["good", "untrusted"]);
          const stampBefore = await Deno.readTextFile(stampFile(work));

          await Deno.copyFile(fx.asc.mallory, extra);
          counting.calls.length = 0;
          const after = await sigs.verify(
            fx.cache,
            [fx.commits.gpgCarolSubkey, fx.commits.gpgMallory],
            k,
            work,
          );
          assert.deepEqual(after.map((r) => r.status), ["untrusted", "good"]);
          assert.deepEqual(counting.calls.map((c) => c.cmd), ["gpg", "gpg", "git", "git"]);
          assert.notEqual(await Deno.readTextFile(stampFile(work)), stampBefore);
        },
      );

      await t.step("a deleted keyring is rebuilt even when the stamp is still there", async () => {
        const counting = countingRunner(createRunner());
        const work = workDir();
        const sigs = createSignatures(counting.run, createFs());
        await sigs.verify(fx.cache, [fx.commits.gpgAlice], keys, work);
        await Deno.remove(gnupgHome(work), { recursive: true });
        counting.calls.length = 0;
        const [r] = await sigs.verify(fx.cache, [fx.commits.gpgAlice], keys, work);
        assert.equal(r?.status, "good", show(r));
        assert.deepEqual(counting.calls.map((c) => c.cmd), ["gpg", "gpg", "git"]);
      });

      const rejects = async (k: TrustKeys, code: string, pattern: RegExp) => {
        await assert.rejects(
          createSignatures(createRunner(), createFs()).verify(
            fx.cache,
            [fx.commits.gpgAlice],
            k,
            workDir(),
          ),
          (e: unknown) => {
            assert.ok(e instanceof HoistError, String(e));
            assert.equal(e.code, code);
            assert.match(e.message, pattern);
            assert.ok(e.hint, "a hint");
            return true;
          },
        );
      };

      await t.step("a missing gpg key file is config-invalid, naming the file", async () => {
        const missing = `${dir}/no-such-key.asc`;
        await rejects(
          { gpgKeys: [fx.asc.alice, missing], allowedSigners: undefined },
          "config-invalid",
          /no-such-key\.asc does not exist/,
        );
      });

      await t.step(
        "a key file that holds no public key is config-invalid, naming the file",
        async () => {
          const garbage = `${dir}/garbage.asc`;
          await Deno.writeTextFile(garbage, "this is not a key\n");
          await rejects(
            { gpgKeys: [garbage], allowedSigners: undefined },
            "config-invalid",
            /garbage\.asc is not a valid public gpg key/,
          );
          const sshPub = `${dir}/ssh_alice.pub`;
          await rejects(
            { gpgKeys: [sshPub], allowedSigners: undefined },
            "config-invalid",
            /ssh_alice\.pub is not a valid public gpg key/,
          );
        },
      );

      await t.step("a key file holding a private key is config-invalid", async () => {
        const secret = `${dir}/secret.asc`;
        const armored = await sh("gpg", [
          "--batch",
          "--pinentry-mode",
          "loopback",
          "--passphrase",
          "",
          "--armor",
          "--export-secret-keys",
          fx.fpr.alice,
        ], { env: { GNUPGHOME: fx.signerHome } });
        await Deno.writeTextFile(secret, armored);
        await rejects(
          { gpgKeys: [secret], allowedSigners: undefined },
          "config-invalid",
          /secret\.asc holds a private key/,
        );
      });

      await t.step(
        "a missing allowed_signers file is config-invalid, naming the file",
        async () => {
          await rejects(
            { gpgKeys: [], allowedSigners: `${dir}/no_signers` },
            "config-invalid",
            /no_signers does not exist/,
          );
        },
      );

      await t.step("a commit that is not in the cache is an error, not a verdict", async () => {
        await assert.rejects(
          createSignatures(createRunner(), createFs()).verify(
            fx.cache,
            ["deadbeef".repeat(5)],
            keys,
            workDir(),
          ),
          (e: unknown) =>
            e instanceof HoistError && e.code === "command-failed" && /deadbeef/.test(e.message),
        );
      });
    } finally {
      // signing with git -S started a gpg-agent for the signer's keyring: stop it
      await sh("gpgconf", ["--homedir", `${dir}/signer-gnupg`, "--kill", "gpg-agent"]).catch(
        () => {},
      );
    }
  });
});

Deno.test("signatures: keys are judged at the time hoist verifies, never at the commit's own date", async (t) => {
  await withTempDir(async (dir) => {
    const keys = `${dir}/keys`;
    try {
      // a space in the path: git hands it to hoist's ssh-keygen wrapper, which hands it on
      const allowed = `${dir}/allowed signers`;
      // line 1..3 of allowed_signers, in this order
      const retired = await sshSigner(
        keys,
        "retired@example.com",
        allowed,
        'namespaces="git",valid-before="20200101Z"',
      );
      const early = await sshSigner(
        keys,
        "early@example.com",
        allowed,
        'namespaces="git",valid-after="20990101Z"',
      );
      const current = await sshSigner(
        keys,
        "current@example.com",
        allowed,
        'valid-after="20200101Z",namespaces="git",valid-before="20990101Z"',
      );
      // lines 4 and 5: a CA, and a CA retired in 2020
      const ca = await sshCa(keys, "team", allowed, "*@team.example");
      const oldCa = await sshCa(
        keys,
        "oldteam",
        allowed,
        "*@old.example",
        'namespaces="git",valid-before="20200101Z"',
      );
      const expiredCert = await sshCertSigner(
        keys,
        "carol-2020",
        ca,
        "carol@team.example",
        "20200101:20200201",
      );
      const validCert = await sshCertSigner(keys, "dave-now", ca, "dave@team.example", "-1d:+520w");
      const oldCaCert = await sshCertSigner(keys, "erin", oldCa, "erin@old.example", "-1d:+520w");
      const asc = { old: `${dir}/old.asc`, rev: `${dir}/rev.asc` };
      // made in 2020, expired at the end of 2020; and one to be revoked later
      const oldGpg = await gpgSigner(keys, "Old <old@example.com>", asc.old, {
        at: "20200101T000000",
        expire: "1y",
      });
      const revGpg = await gpgSigner(keys, "Rev <rev@example.com>", asc.rev, {
        at: "20200101T000000",
      });
      await signAt(oldGpg, "20200601T000000");
      await signAt(revGpg, "20200601T000000");

      const repo = `${dir}/repo`;
      await sh("git", ["init", "--quiet", "-b", "main", repo]);
      const BACK = "2019-06-01T00:00:00Z";
      const c = {
        retiredBackdated: await commitAs(repo, retired, {}, "retired key, back-dated", BACK),
        earlyForwardDated: await commitAs(repo, early, {}, "early key", "2099-06-01T00:00:00Z"),
        current: await commitAs(repo, current, {}, "current key"),
        expiredCertBackdated: await commitAs(
          repo,
          expiredCert,
          {},
          "expired certificate, back-dated",
          "2020-01-15T00:00:00Z",
        ),
        // dated before the certificate's window opened (yesterday): judged now, it is valid
        validCert: await commitAs(repo, validCert, {}, "certificate valid now", BACK),
        oldCaCert: await commitAs(repo, oldCaCert, {}, "certificate of a retired CA"),
        gpgExpiredBackdated: await commitAs(
          repo,
          oldGpg,
          {},
          "expired gpg key",
          "2020-06-01T00:00:00Z",
        ),
        gpgRevokedBackdated: await commitAs(
          repo,
          revGpg,
          {},
          "revoked gpg key",
          "2020-06-01T00:00:00Z",
        ),
      };
      const cache = `${dir}/cache.git`;
      await sh("git", ["clone", "--quiet", "--bare", repo, cache]);
      const trust: TrustKeys = { gpgKeys: [], allowedSigners: allowed };
      let n = 0;
      const verify = async (
        commit: string,
        k: TrustKeys = trust,
        work = `${dir}/work ${++n}`,
        run: Runner = createRunner(),
      ) => {
        const [r] = await createSignatures(run, createFs()).verify(cache, [commit], k, work);
        assert.ok(r);
        assert.equal(r.commit, commit);
        return r;
      };
      /** What plain git says, handed the configured allowed_signers file as it is. */
      const gitAlone = async (commit: string) => {
        const out = await new Deno.Command("git", {
          args: [
            "-C",
            cache,
            "-c",
            `gpg.ssh.allowedSignersFile=${allowed}`,
            "verify-commit",
            commit,
          ],
          env: ENV,
          stdout: "piped",
          stderr: "piped",
        }).output();
        return out.code;
      };
      const committerTime = async (commit: string) =>
        Number((await sh("git", ["-C", cache, "log", "-1", "--format=%ct", commit])).trim());
      const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

      await t.step(
        "plain git accepts the retired key's back-dated commit: ssh-keygen is handed the commit's date",
        async () => {
          assert.equal(await gitAlone(c.retiredBackdated), 0);
          assert.equal(await gitAlone(c.earlyForwardDated), 0);
          assert.equal(await gitAlone(c.expiredCertBackdated), 0);
        },
      );

      await t.step(
        "a retired ssh key (valid-before passed) does not verify a commit back-dated before it",
        async () => {
          const r = await verify(c.retiredBackdated);
          assert.equal(r.status, "untrusted", show(r));
          assert.equal(r.signer, `ssh ${retired.fingerprint}`);
          assert.match(
            r.message,
            new RegExp(
              `; ${esc(allowed)}:1: key has expired: verify time [\\d-]+T[\\d:]+ > ` +
                "valid-before 2020-01-01T00:00:00; No principal matched\\.$",
            ),
          );
          assert.equal(r.committedAt, Date.parse(BACK) / 1000);
        },
      );

      await t.step(
        "an ssh key whose valid-after is still to come does not verify, even a commit dated after it",
        async () => {
          const r = await verify(c.earlyForwardDated);
          assert.equal(r.status, "untrusted", show(r));
          assert.match(
            r.message,
            new RegExp(
              `${esc(allowed)}:2: key is not yet valid: verify time [\\d-]+T[\\d:]+ < ` +
                "valid-after 2099-01-01T00:00:00",
            ),
          );
        },
      );

      await t.step(
        "a key valid now, inside its valid-after and valid-before, verifies; committedAt is the committer date",
        async () => {
          const r = await verify(c.current);
          assert.equal(r.status, "good", show(r));
          assert.equal(r.signer, `ssh ${current.fingerprint} current@example.com`);
          assert.equal(r.committedAt, await committerTime(c.current));
        },
      );

      await t.step(
        "an expired ssh certificate does not verify a commit back-dated into its validity, in one process",
        async () => {
          const counting = countingRunner(createRunner());
          const r = await verify(c.expiredCertBackdated, trust, undefined, counting.run);
          assert.equal(r.status, "untrusted", show(r));
          assert.equal(r.signer, `ssh ${expiredCert.fingerprint}`);
          assert.match(
            r.message,
            new RegExp(`-CERT key SHA256:\\S+; ${esc(allowed)}:4: no valid principals found; `),
          );
          assert.deepEqual(counting.calls.map((x) => x.cmd), ["git"]);
        },
      );

      await t.step(
        "a certificate valid now, from a CA valid now, verifies, whatever the commit's date",
        async () => {
          const r = await verify(c.validCert);
          assert.equal(r.status, "good", show(r));
          assert.equal(r.signer, `ssh ${validCert.fingerprint} dave@team.example`);
          assert.equal(r.committedAt, Date.parse(BACK) / 1000);
        },
      );

      await t.step(
        "a certificate of a CA whose line is no longer valid does not verify",
        async () => {
          const r = await verify(c.oldCaCert);
          assert.equal(r.status, "untrusted", show(r));
          assert.match(
            r.message,
            new RegExp(`${esc(allowed)}:5: key has expired: .* > valid-before 2020-01-01T00:00:00`),
          );
        },
      );

      await t.step(
        "a malformed allowed_signers line trusts no one; ssh-keygen's file:line is in the message",
        async () => {
          const bad = `${dir}/allowed_signers_bad`;
          const line = (await Deno.readTextFile(allowed)).split("\n")[2]!;
          await Deno.writeTextFile(
            bad,
            `# ok\nbob namespaces=git ${line.split(" ").slice(2).join(" ")}\n`,
          );
          const r = await verify(c.current, { gpgKeys: [], allowedSigners: bad });
          assert.equal(r.status, "untrusted", show(r));
          assert.match(r.message, new RegExp(`${esc(bad)}:2: bad options: missing start quote`));
        },
      );

      await t.step(
        "git runs hoist's ssh-keygen wrapper (0700, in the 0700 trust folder), rewritten only when it differs",
        async () => {
          const work = `${dir}/work wrapper`;
          await verify(c.current, trust, work);
          const wrapper = sshKeygenWrapper(work);
          assert.equal(await Deno.readTextFile(wrapper), SSH_KEYGEN_NOW);
          assert.equal((await Deno.stat(wrapper)).mode! & 0o777, 0o700);
          assert.equal((await Deno.stat(work)).mode! & 0o777, 0o700);
          const { ino } = await Deno.stat(wrapper);
          await verify(c.current, trust, work);
          assert.equal((await Deno.stat(wrapper)).ino, ino, "unchanged: not rewritten");
          // a wrapper that says yes to everything is put back before git runs it
          await Deno.writeTextFile(wrapper, "#!/bin/sh\nexit 0\n");
          const r = await verify(c.retiredBackdated, trust, work);
          assert.equal(r.status, "untrusted", show(r));
          assert.equal(await Deno.readTextFile(wrapper), SSH_KEYGEN_NOW);
        },
      );

      await t.step(
        "the wrapper drops only -Overify-time=…; every other argument reaches ssh-keygen unchanged",
        async () => {
          const work = `${dir}/work wrapper`;
          // an ssh-keygen that prints its arguments, one per NUL
          const bin = `${dir}/fake bin`;
          await Deno.mkdir(bin);
          await Deno.writeTextFile(`${bin}/ssh-keygen`, `#!/bin/sh\nprintf '%s\\0' "$@"\n`, {
            mode: 0o755,
          });
          const args = [
            "-Y",
            "verify",
            "-n",
            "git",
            "-f",
            `${dir}/allowed signers`,
            "-I",
            "alice smith@example.com",
            "-s",
            "/tmp/x  y\tz\n.sig",
            "-Overify-time=20200101000000",
            "",
            "*",
            "$HOME",
            "-O",
            "verify-time-x",
            "-Overify-time=",
          ];
          const out = await new Deno.Command(sshKeygenWrapper(work), {
            args,
            env: { PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` },
            stdout: "piped",
          }).output();
          assert.equal(out.code, 0);
          const seen = new TextDecoder().decode(out.stdout).split("\0").slice(0, -1);
          assert.deepEqual(seen, args.filter((a) => !a.startsWith("-Overify-time=")));
          assert.equal(seen.length, args.length - 2);
        },
      );

      await t.step(
        "gpg: an expired key does not verify a commit and signature back-dated before its expiry",
        async () => {
          const r = await verify(c.gpgExpiredBackdated, {
            gpgKeys: [asc.old],
            allowedSigners: undefined,
          });
          assert.equal(r.status, "untrusted", show(r));
          assert.equal(r.signer, `gpg ${oldGpg.fingerprint} Old <old@example.com>`);
          assert.match(r.message, /whose key has expired$/);
          assert.equal(r.committedAt, Date.parse("2020-06-01T00:00:00Z") / 1000);
        },
      );

      await t.step(
        "gpg: a key revoked as retired stops verifying a commit signed and dated before the revocation",
        async () => {
          const k: TrustKeys = { gpgKeys: [asc.rev], allowedSigners: undefined };
          const before = await verify(c.gpgRevokedBackdated, k);
          assert.equal(before.status, "good", show(before));
          await revokeGpgKey(revGpg, asc.rev);
          const after = await verify(c.gpgRevokedBackdated, k);
          assert.equal(after.status, "untrusted", show(after));
          assert.match(after.message, /whose key is revoked$/);
        },
      );
    } finally {
      await stopAgents(keys).catch(() => {});
    }
  });
});

/**
 * Seconds a key stays valid after it is made, in the test of a key expiring between runs: the
 * first apply must end before it expires, so a slow machine tries again with more time.
 */
const EXPIRY_MARGINS_S = [4, 15, 60];

Deno.test({
  name:
    "hoist apply: a key that expires between two runs keeps its deployed commit and refuses new ones, back-dated or not",
  ignore: skipWithoutQuadlet(),
  async fn() {
    await withTempDir(async (root) => {
      for (const [attempt, margin] of EXPIRY_MARGINS_S.entries()) {
        const dir = `${root}/attempt-${attempt}`;
        const last = attempt === EXPIRY_MARGINS_S.length - 1;
        const HOST = `gitops/${EXAMPLE_HOST}`;
        const repo = await makeRepo(`${dir}/repo`, await exampleFiles());
        const allowed = `${dir}/allowed_signers`;
        // valid for a few seconds more: enough for the first apply, then hoist's clock passes it
        const expiry = Math.ceil(Date.now() / 1000) + margin;
        const alice = await sshSigner(
          `${dir}/keys`,
          "alice@example.com",
          allowed,
          `namespaces="git",valid-before="${sshTime(expiry)}"`,
        );
        const { configPath, quadletDir } = await writeConfig(
          dir,
          repo.path,
          EXAMPLE_HOST,
          `[trust]\nallowed_signers = "${allowed}"\n`,
        );
        const deployed = await commitAs(repo.path, alice, {
          [`${HOST}/web/index.html`]: "<h1>signed</h1>\n",
        });
        const home = `${dir}/home`;
        await Deno.mkdir(home, { recursive: true });
        const fake = createFakeHost({ quadletDir, home });
        const capture = captureIo(home);
        // the real adapters, around the fake host; signatures judged at the real time
        const cli = async (...argv: string[]): Promise<CliRun> => {
          capture.take();
          const code = await runCli(
            ["--config", configPath, ...argv],
            capture.io,
            (c) => buildDeps(c, fake.run),
          );
          return { code, ...capture.take() };
        };
        const sources = async () => JSON.parse((await cli("plan", "--json")).out).sources[0];

        const first = await cli("apply");
        assert.equal(first.code, 0, showRun(first));
        if (Date.now() / 1000 >= expiry && !last) continue; // too slow for this margin: more time
        assert.ok(
          Date.now() / 1000 < expiry,
          `the first apply ended after the key expired, even with ${margin} s`,
        );
        const files = await readFilesUnder(quadletDir);
        assert.ok(Object.keys(files).length > 0);

        // ssh-keygen: valid through the second of valid-before
        await new Promise((r) => setTimeout(r, (expiry + 1) * 1000 - Date.now() + 50));
        const again = await cli("apply");
        assert.equal(again.code, 0, showRun(again));
        const cached = await sources();
        assert.equal(cached.verdict, "cached");
        assert.equal(cached.commits.main, deployed);

        // dated now, and back-dated to an hour before the key expired
        for (const date of [undefined, new Date((expiry - 3600) * 1000).toISOString()]) {
          const next = await commitAs(
            repo.path,
            alice,
            { [`${HOST}/web/index.html`]: `<h1>after expiry ${date ?? "now"}</h1>\n` },
            "change",
            date,
          );
          const refused = await cli("apply");
          assert.equal(refused.code, 1, showRun(refused));
          assert.match(
            refused.err,
            new RegExp(`the tip ${next.slice(0, 12)} is signed by a key hoist does not trust`),
          );
          assert.match(
            refused.err,
            new RegExp(
              `allowed_signers:1: key has expired: verify time \\S+ > valid-before ${
                new Date(expiry * 1000).toISOString().slice(0, 19)
              }`,
            ),
          );
          assert.deepEqual(await readFilesUnder(quadletDir), files, "the deployed commit stays");
        }
        return;
      }
    });
  },
});
