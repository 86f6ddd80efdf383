/**
 * Trusting sources (issue 3) end to end through runCli: real git, real gpg and ssh keys made in
 * the test, real `git verify-commit`; podman and systemd are the FAKE host of tests/support/fake_host.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  EXAMPLE_HOST,
  exampleFiles,
  makeHost,
  show,
  skipWithoutQuadlet,
  type TestHost,
  withTempDir,
  writeConfig,
} from "./helpers.ts";
import { commitAs, gpgSigner, resetTo, type Signer, sshSigner, stopAgents } from "./signing.ts";

const ignore = skipWithoutQuadlet();
const HOST = `gitops/${EXAMPLE_HOST}`;

interface Trusted {
  readonly h: TestHost;
  readonly alice: Signer;
  /** A key that is not in the policy. */
  readonly mallory: Signer;
}

/** A host whose policy trusts alice's ssh key only; the repository's first commit is signed by her. */
async function sshHost(dir: string, trust = ""): Promise<Trusted> {
  const h = await makeHost(dir, await exampleFiles());
  const allowed = `${dir}/allowed_signers`;
  const alice = await sshSigner(`${dir}/keys`, "alice@example.com", allowed);
  const mallory = await sshSigner(`${dir}/keys`, "mallory@example.com");
  await writeConfig(
    dir,
    h.repo.path,
    EXAMPLE_HOST,
    `[trust]\nallowed_signers = "${allowed}"\n${trust}`,
  );
  await commitAs(
    h.repo.path,
    alice,
    { [`${HOST}/web/index.html`]: "<h1>signed</h1>\n" },
    "signed by alice",
  );
  return { h, alice, mallory };
}

function events(h: TestHost): { kind: string; message: string }[] {
  const db = new DatabaseSync(`${h.stateDir}/state.db`);
  try {
    return db.prepare("SELECT kind, message FROM events ORDER BY id").all().map((r) => ({
      kind: String(r.kind),
      message: String(r.message),
    }));
  } finally {
    db.close();
  }
}

Deno.test({
  name:
    "a commit signed with a trusted ssh key is deployed; the plan names the signer and the verdict",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, alice } = await sshHost(dir);
      const plan = await h.cli("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(
        plan.out,
        new RegExp(
          `source main branch main at [0-9a-f]{12}: signed by ssh ${
            alice.fingerprint.replace(/[+/]/g, "\\$&")
          } alice@example\\.com, signature verified`,
        ),
      );
      const json = JSON.parse((await h.cli("plan", "--json")).out);
      assert.equal(json.sources[0].verdict, "trusted");
      assert.match(json.sources[0].signers.main, /^ssh SHA256:/);
      const apply = await h.cli("apply");
      assert.equal(apply.code, 0, show(apply));
      assert.ok(Object.keys(await h.quadletFiles()).length > 0);
    });
  },
});

Deno.test({
  name: "a commit signed with a trusted gpg key is deployed; the plan shows its fingerprint",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      try {
        const h = await makeHost(dir, await exampleFiles());
        const bob = await gpgSigner(`${dir}/keys`, "Bob <bob@example.com>", `${dir}/bob.asc`);
        await writeConfig(
          dir,
          h.repo.path,
          EXAMPLE_HOST,
          `[trust]\ngpg_keys = ["${dir}/bob.asc"]\n`,
        );
        await commitAs(h.repo.path, bob, { [`${HOST}/web/index.html`]: "<h1>gpg</h1>\n" });
        const apply = await h.cli("apply");
        assert.equal(apply.code, 0, show(apply));
        assert.match(apply.out, new RegExp(`signed by gpg ${bob.fingerprint}`));
      } finally {
        await stopAgents(`${dir}/keys`);
      }
    });
  },
});

Deno.test({
  name: "an unsigned tip is refused before anything of it is used, and the refusal is recorded",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h } = await sshHost(dir);
      assert.equal((await h.cli("apply")).code, 0);
      const before = await h.quadletFiles();
      h.fake.clear();
      await commitAs(
        h.repo.path,
        undefined,
        { [`${HOST}/web/index.html`]: "<h1>evil</h1>\n" },
        "unsigned",
      );
      const apply = await h.cli("apply");
      assert.equal(apply.code, 1, show(apply));
      assert.match(apply.err, /the tip [0-9a-f]{12} is not signed/);
      assert.match(apply.err, /hint: Sign commits/);
      assert.deepEqual(await h.quadletFiles(), before, "units untouched");
      assert.deepEqual(h.fake.events, [], "systemd untouched");
      assert.ok(events(h).some((e) => e.kind === "signature-untrusted"));
    });
  },
});

Deno.test({
  name: "a commit signed by a key that is not in the policy is refused, naming the signer",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, mallory } = await sshHost(dir);
      await commitAs(h.repo.path, mallory, { [`${HOST}/web/index.html`]: "<h1>mallory</h1>\n" });
      const apply = await h.cli("apply");
      assert.equal(apply.code, 1, show(apply));
      assert.match(apply.err, /is signed by a key hoist does not trust/);
      assert.deepEqual(await h.quadletFiles(), {});
    });
  },
});

Deno.test({
  name:
    'verify = "all" refuses an unsigned commit between the deployed one and a signed tip; "tip" accepts it',
  ignore,
  async fn() {
    for (const verify of ["all", "tip"] as const) {
      await withTempDir(async (dir) => {
        const { h, alice } = await sshHost(dir, `verify = "${verify}"\n`);
        assert.equal((await h.cli("apply")).code, 0);
        const unsigned = await commitAs(h.repo.path, undefined, {
          [`${HOST}/web/index.html`]: "<h1>x</h1>\n",
        });
        await commitAs(h.repo.path, alice, { [`${HOST}/web/index.html`]: "<h1>y</h1>\n" });
        const apply = await h.cli("apply");
        if (verify === "all") {
          assert.equal(apply.code, 1, show(apply));
          assert.match(
            apply.err,
            new RegExp(
              `commit ${unsigned.slice(0, 12)} \\(before the tip [0-9a-f]{12}\\) is not signed`,
            ),
          );
        } else {
          assert.equal(apply.code, 0, show(apply));
        }
      });
    }
  },
});

Deno.test({
  name:
    "a force-push back to an older signed commit is refused; --allow-rollback accepts it once and records it",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, alice } = await sshHost(dir);
      const old = await h.repo.head();
      assert.equal((await h.cli("apply")).code, 0);
      const newer = await commitAs(h.repo.path, alice, {
        [`${HOST}/web/index.html`]: "<h1>fixed</h1>\n",
      });
      assert.equal((await h.cli("apply")).code, 0);
      await resetTo(h.repo.path, old);
      const refused = await h.cli("apply");
      assert.equal(refused.code, 1, show(refused));
      assert.match(
        refused.err,
        new RegExp(`${old.slice(0, 12)} does not descend from ${newer.slice(0, 12)}`),
      );
      assert.match(refused.err, /hoist apply --allow-rollback/);
      assert.ok(events(h).some((e) => e.kind === "rollback-refused"));
      const allowed = await h.cli("apply", "--allow-rollback");
      assert.equal(allowed.code, 0, show(allowed));
      assert.match(allowed.out, /ROLLBACK allowed/);
      assert.ok(events(h).some((e) => e.kind === "rollback-allowed"));
      // the older commit is now the baseline: the next run goes on normally
      assert.equal((await h.cli("apply")).code, 0);
    });
  },
});

Deno.test({
  name: "[trust] allow_rollback = true deploys a force-push to an older commit without a refusal",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, alice } = await sshHost(dir, "allow_rollback = true\n");
      const old = await h.repo.head();
      const first = await h.cli("apply");
      assert.equal(first.code, 0, show(first));
      const webBefore = (await h.quadletFiles())["gitops-web.container"];
      await commitAs(h.repo.path, alice, { [`${HOST}/web/index.html`]: "<h1>newer</h1>\n" });
      assert.equal((await h.cli("apply")).code, 0);
      assert.notEqual((await h.quadletFiles())["gitops-web.container"], webBefore);

      await resetTo(h.repo.path, old);
      const back = await h.cli("apply");
      assert.equal(back.code, 0, show(back));
      assert.doesNotMatch(back.out + back.err, /does not descend|--allow-rollback/);
      assert.ok(back.out.includes(old.slice(0, 12)), "the older commit is deployed");
      assert.equal((await h.quadletFiles())["gitops-web.container"], webBefore, "old unit back");
      const kinds = events(h).map((e) => e.kind);
      assert.ok(!kinds.includes("rollback-refused"), kinds.join(", "));
      const again = await h.cli("plan", "--detailed-exitcode");
      assert.equal(again.code, 0, show(again));
    });
  },
});

Deno.test({
  name: "a branch missing from the source fails apply (exit 1), touches nothing, and is recorded",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h } = await sshHost(dir);
      assert.equal((await h.cli("apply")).code, 0);
      const before = await h.quadletFiles();
      h.fake.clear();
      await Deno.writeTextFile(
        h.configPath,
        (await Deno.readTextFile(h.configPath)).replace('branch = "main"', 'branch = "nope"'),
      );
      const apply = await h.cli("apply");
      assert.equal(apply.code, 1, show(apply));
      assert.match(apply.err, /branch nope does not exist/);
      assert.match(apply.err, /hint: /);
      assert.deepEqual(await h.quadletFiles(), before, "units untouched");
      assert.deepEqual(h.fake.events, [], "systemd untouched");
      const failed = events(h).filter((e) => e.kind === "source-failed");
      assert.equal(failed.length, 1, JSON.stringify(events(h)));
      assert.match(failed[0]!.message, /branch nope/);
    });
  },
});

Deno.test({
  name: "edits to the source's working tree are ignored: hoist deploys the commit's content",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h } = await sshHost(dir);
      await Deno.writeTextFile(
        `${h.repo.path}/${HOST}/web/index.html`,
        "<h1>edited, not committed</h1>\n",
      );
      assert.equal((await h.cli("apply")).code, 0);
      const copies = `${h.stateDir}/services/web`;
      const [copy] = [...Deno.readDirSync(copies)].map((e) => e.name);
      assert.equal(await Deno.readTextFile(`${copies}/${copy}/index.html`), "<h1>signed</h1>\n");
    });
  },
});

Deno.test({
  name:
    "with signatures checked, a no-op apply still spawns at most 3 processes (verdict cached per commit)",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h } = await sshHost(dir);
      assert.equal((await h.cli("apply")).code, 0);
      h.fake.clear();
      const again = await h.cli("apply");
      assert.equal(again.code, 0, show(again));
      assert.match(again.out, /signature verified earlier/);
      // the example's pre.script adds one bash, which runs on every apply
      const commands = h.fake.commands().filter((c) => c !== "bash");
      assert.deepEqual(commands, ["podman ps", "git fetch", "systemctl list-units"]);
    });
  },
});

Deno.test({
  name:
    "require_signed with no keys is an error with a hint; require_signed = false warns on every run",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      await writeConfig(dir, h.repo.path, EXAMPLE_HOST, '[trust]\nverify = "tip"\n');
      const noKeys = await h.cli("plan");
      assert.equal(noKeys.code, 1, show(noKeys));
      assert.match(noKeys.err, /require_signed is on but .* lists no signing keys/);
      await writeConfig(dir, h.repo.path, EXAMPLE_HOST, "[trust]\nrequire_signed = false\n");
      for (let i = 0; i < 2; i++) {
        const run = await h.cli("apply");
        assert.equal(run.code, 0, show(run));
        assert.match(run.out + run.err, /signature checks are off/);
      }
    });
  },
});

Deno.test({
  name: "two sources deploy together; a service both define is blocked in both, naming them",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      const { makeRepo } = await import("./helpers.ts");
      const apps = await makeRepo(`${dir}/apps`, {
        [`${HOST}/config.yml`]: "services:\n  extra: {}\n  web: {}\n",
        [`${HOST}/extra/manifest.yml`]: "Container:\n  Image: docker.io/library/busybox:1.36\n",
        [`${HOST}/web/manifest.yml`]: "Container:\n  Image: docker.io/library/busybox:1.36\n",
      });
      await Deno.writeTextFile(
        h.configPath,
        `host = "${EXAMPLE_HOST}"\nmode = "user"\nquadlet_dir = "${h.quadletDir}"\nstate_dir = "${h.stateDir}"\n\n` +
          `[[sources]]\nname = "infra"\nurl = "${h.repo.path}"\n\n[[sources]]\nname = "apps"\nurl = "${apps.path}"\n\n` +
          `[trust]\nrequire_signed = false\n`,
      );
      const apply = await h.cli("apply");
      assert.equal(apply.code, 1, show(apply));
      assert.match(apply.out + apply.err, /service web is defined by sources infra and apps/);
      const files = Object.keys(await h.quadletFiles());
      assert.ok(files.includes("gitops-extra.container"), files.join(" "));
      assert.ok(files.includes("gitops-api.container"));
      assert.ok(!files.includes("gitops-web.container"), "the clashing service is not deployed");
      assert.match(apply.out, /source infra branch main at [0-9a-f]{12}/);
      assert.match(apply.out, /source apps branch main at [0-9a-f]{12}/);
    });
  },
});

Deno.test({
  name: "a source with one branch per service deploys each branch as its service",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      const { makeRepo, git } = await import("./helpers.ts");
      const repo = await makeRepo(`${dir}/branches`, {
        "README.md": "one orphan branch per service\n",
      });
      for (const svc of ["cache", "proxy"]) {
        await git(repo.path, "checkout", "--quiet", "--orphan", svc);
        await git(repo.path, "rm", "-rfq", ".");
        await repo.commit({
          "manifest.yml": "Container:\n  Image: docker.io/library/busybox:1.36\n",
          "note.txt": svc,
        });
      }
      await Deno.writeTextFile(
        h.configPath,
        `host = "${EXAMPLE_HOST}"\nmode = "user"\nquadlet_dir = "${h.quadletDir}"\nstate_dir = "${h.stateDir}"\n\n` +
          `[[sources]]\nname = "svc"\nurl = "${repo.path}"\nbranches = ["cache", "proxy"]\n\n` +
          `[trust]\nrequire_signed = false\n`,
      );
      const apply = await h.cli("apply");
      assert.equal(apply.code, 0, show(apply));
      const files = Object.keys(await h.quadletFiles()).sort();
      assert.deepEqual(files, ["gitops-cache.container", "gitops-proxy.container"]);
      assert.match(apply.out, /source svc branch cache at [0-9a-f]{12}/);
      const missing = await h.rawCli("--config", h.configPath, "plan");
      assert.equal(missing.code, 0);
      await Deno.writeTextFile(
        h.configPath,
        (await Deno.readTextFile(h.configPath)).replace('"proxy"]', '"proxy", "nope"]'),
      );
      const bad = await h.cli("plan");
      assert.equal(bad.code, 1, show(bad));
      assert.match(bad.err, /branch nope does not exist/);
    });
  },
});
