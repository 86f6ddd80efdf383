/**
 * The committer-date rule (issue 9, class 6) end to end through runCli: real git, real ssh keys
 * and `git verify-commit`, commits whose committer date the signer picked; podman and systemd
 * are the FAKE host of tests/support/fake_host.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  EXAMPLE_HOST,
  exampleFiles,
  git,
  makeHost,
  show,
  skipWithoutQuadlet,
  type TestHost,
  withTempDir,
  writeConfig,
} from "./helpers.ts";
import { commitAs, type Signer, sshSigner, sshTime } from "./signing.ts";

const ignore = skipWithoutQuadlet();
const HOST = `gitops/${EXAMPLE_HOST}`;

/** Unix seconds as `2026-01-31T12:00:00Z`, how hoist names a date. */
const iso = (at: number) => new Date(at * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The committer time of `commit` in unix seconds, as git records it. */
async function committedAt(h: TestHost, commit: string): Promise<number> {
  return Number((await git(h.repo.path, "log", "-1", "--format=%ct", commit)).trim());
}

/** The committer time state.db holds for source main, branch main. */
function recordedAt(h: TestHost): unknown {
  const db = new DatabaseSync(`${h.stateDir}/state.db`);
  try {
    return db.prepare("SELECT committed_at FROM sources WHERE source = 'main' AND branch = 'main'")
      .get()?.committed_at;
  } finally {
    db.close();
  }
}

function eventKinds(h: TestHost): string[] {
  const db = new DatabaseSync(`${h.stateDir}/state.db`);
  try {
    return db.prepare("SELECT kind FROM events ORDER BY id").all().map((r) => String(r.kind));
  } finally {
    db.close();
  }
}

/**
 * A host trusting alice's ssh key (and `retired`'s, with `valid-before` yesterday); the tip is a
 * commit alice signed now, deployed.
 */
async function deployedHost(dir: string): Promise<{ h: TestHost; alice: Signer; retired: Signer }> {
  const h = await makeHost(dir, await exampleFiles());
  const allowed = `${dir}/allowed_signers`;
  const alice = await sshSigner(`${dir}/keys`, "alice@example.com", allowed);
  const yesterday = Math.floor(Date.now() / 1000) - 86400;
  const retired = await sshSigner(
    `${dir}/keys`,
    "retired@example.com",
    allowed,
    `namespaces="git",valid-before="${sshTime(yesterday)}"`,
  );
  await writeConfig(dir, h.repo.path, EXAMPLE_HOST, `[trust]\nallowed_signers = "${allowed}"\n`);
  await commitAs(h.repo.path, alice, { [`${HOST}/web/index.html`]: "<h1>now</h1>\n" });
  const apply = await h.cli("apply");
  assert.equal(apply.code, 0, show(apply));
  return { h, alice, retired };
}

Deno.test({
  name:
    "a signed commit dated before the last deployed one is refused naming both dates; --allow-rollback takes it once",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, alice } = await deployedHost(dir);
      const deployed = await h.repo.head();
      const deployedAt = await committedAt(h, deployed);
      assert.equal(recordedAt(h), deployedAt, "state.db keeps the deployed commit's date");
      const before = await h.quadletFiles();
      h.fake.clear();

      // a descendant of the deployed commit, signed by a trusted key, dated a year back
      const backDated = await commitAs(
        h.repo.path,
        alice,
        { [`${HOST}/web/index.html`]: "<h1>back-dated</h1>\n" },
        "back-dated",
        "2025-06-01T12:00:00Z",
      );
      for (const cmd of ["plan", "apply"]) {
        const r = await h.cli(cmd);
        assert.equal(r.code, 1, show(r));
        assert.match(
          r.err,
          new RegExp(
            `^error: source main \\(branch main\\): the tip ${backDated.slice(0, 12)} is dated ` +
              `2025-06-01T12:00:00Z \\(committer date\\), before ${iso(deployedAt)}, the date of ` +
              `${deployed.slice(0, 12)}, the last deployed commit: refusing a back-dated commit\n` +
              "  hint: If the signer's clock was wrong, re-sign the commit with the right time: " +
              "git commit --amend --no-edit -S",
          ),
        );
        assert.doesNotMatch(r.err, /Uncaught|\n\s+at /);
      }
      assert.deepEqual(await h.quadletFiles(), before, "units untouched");
      assert.deepEqual(h.fake.events, [], "systemd untouched");
      assert.ok(eventKinds(h).includes("commit-date-refused"), eventKinds(h).join(", "));

      const allowed = await h.cli("apply", "--allow-rollback");
      assert.equal(allowed.code, 0, show(allowed));
      assert.equal(recordedAt(h), Date.parse("2025-06-01T12:00:00Z") / 1000);
      // the next commit only has to be no older than the one now deployed
      await commitAs(h.repo.path, alice, { [`${HOST}/web/index.html`]: "<h1>next</h1>\n" });
      const next = await h.cli("apply");
      assert.equal(next.code, 0, show(next));
    });
  },
});

Deno.test({
  name:
    "a commit by a retired key (valid-before yesterday), dated back into its validity, is refused",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, retired } = await deployedHost(dir);
      const before = await h.quadletFiles();
      const twoDaysAgo = new Date(Date.now() - 2 * 86400_000).toISOString();
      await commitAs(
        h.repo.path,
        retired,
        { [`${HOST}/web/index.html`]: "<h1>retired</h1>\n" },
        "back-dated by a retired key",
        twoDaysAgo,
      );
      const r = await h.cli("apply");
      assert.equal(r.code, 1, show(r));
      assert.match(r.err, /^error: source main \(branch main\): the tip [0-9a-f]{12} is signed by/);
      assert.match(r.err, /key has expired/);
      assert.deepEqual(await h.quadletFiles(), before, "units untouched");
    });
  },
});

Deno.test({
  name:
    "a signed commit dated more than 10 min ahead of this host's clock is refused, naming both times",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, alice } = await deployedHost(dir);
      const before = await h.quadletFiles();
      const tomorrow = Math.floor(Date.now() / 1000) + 86400;
      const ahead = await commitAs(
        h.repo.path,
        alice,
        { [`${HOST}/web/index.html`]: "<h1>tomorrow</h1>\n" },
        "from the future",
        iso(tomorrow),
      );
      for (const argv of [["apply"], ["apply", "--allow-rollback"]]) {
        const r = await h.cli(...argv);
        assert.equal(r.code, 1, show(r));
        assert.match(
          r.err,
          new RegExp(
            `^error: source main \\(branch main\\): the tip ${ahead.slice(0, 12)} is dated ` +
              `${iso(tomorrow)} \\(committer date\\), more than 10 min after this host's clock ` +
              `\\(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\): refusing a commit from the future\n` +
              "  hint: Check the clock of the machine that made the commit and of this host",
          ),
        );
      }
      assert.deepEqual(await h.quadletFiles(), before, "units untouched");
      // a commit a minute ahead (within the skew) is fine
      await commitAs(
        h.repo.path,
        alice,
        { [`${HOST}/web/index.html`]: "<h1>soon</h1>\n" },
        "a minute ahead",
        iso(Math.floor(Date.now() / 1000) + 60),
      );
      const ok = await h.cli("apply");
      assert.equal(ok.code, 0, show(ok));
    });
  },
});
