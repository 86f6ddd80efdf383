/**
 * The signatures adapter against real git, gpg and ssh-keygen, with every key generated here:
 * commits signed in a scratch repository, fetched into a bare cache, verified by hoist against an
 * isolated keyring holding only the configured keys.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { countingRunner } from "../support/counting_runner.ts";
import { createSignatures, gnupgHome, stampFile } from "../../lib/adapters/signatures.ts";
import { HoistError } from "../../lib/errors.ts";
import type { SignatureResult, TrustKeys } from "../../lib/trust/types.ts";
import { withTempDir } from "./helpers.ts";

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
