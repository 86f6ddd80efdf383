/**
 * The trust decision as a pure function of what git and the signature checks found.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { TrustConfig } from "../../lib/config/load_config.ts";
import {
  branchDecision,
  commitDateVerdict,
  MAX_CLOCK_SKEW_SECONDS,
  signatureVerdict,
  sourceVerdict,
} from "../../lib/trust/trust_verdict.ts";

const trust: TrustConfig = {
  requireSigned: true,
  gpgKeys: [],
  allowedSigners: "/a",
  verify: "tip",
  allowRollback: false,
};
const prev = { commit: "a".repeat(40), signer: "ssh SHA256:x alice", policy: "p1" };
const tip = "b".repeat(40);
const facts: Parameters<typeof branchDecision>[0] = {
  source: "main",
  branch: "main",
  tip,
  prev,
  descends: true,
  trust,
  policy: "p1",
  allowRollbackOnce: false,
};

Deno.test({
  name:
    "branchDecision() refuses a tip that does not descend from the last deployed commit, unless allowed",
  permissions: "none",
  fn() {
    const refused = branchDecision({ ...facts, descends: false });
    assert.equal(refused.ok, false);
    if (!refused.ok) {
      assert.equal(refused.error.code, "rollback-refused");
      assert.match(refused.error.message, /bbbbbbbbbbbb does not descend from aaaaaaaaaaaa/);
    }
    for (
      const allowed of [
        branchDecision({ ...facts, descends: false, allowRollbackOnce: true }),
        branchDecision({ ...facts, descends: false, trust: { ...trust, allowRollback: true } }),
      ]
    ) {
      assert.ok(allowed.ok);
      if (allowed.ok) assert.deepEqual(allowed.rollback, { from: prev.commit, to: tip });
    }
  },
});

Deno.test({
  name: "branchDecision() checks the tip, every new commit, or nothing, by policy and cache",
  permissions: "none",
  fn() {
    const check = (f: Partial<Parameters<typeof branchDecision>[0]>) => {
      const d = branchDecision({ ...facts, ...f });
      assert.ok(d.ok);
      return d.ok ? d.check : undefined;
    };
    assert.deepEqual(check({}), { kind: "verify", range: "tip" });
    assert.deepEqual(check({ trust: { ...trust, verify: "all" } }), {
      kind: "verify",
      range: "since-deployed",
    });
    assert.deepEqual(check({ trust: { ...trust, verify: "all" }, prev: undefined }), {
      kind: "verify",
      range: "tip",
    });
    assert.deepEqual(check({ tip: prev.commit }), { kind: "cached", signer: prev.signer });
    assert.deepEqual(check({ tip: prev.commit, policy: "p2" }), { kind: "verify", range: "tip" });
    assert.deepEqual(check({ trust: { ...trust, requireSigned: false } }), { kind: "unchecked" });
  },
});

Deno.test({
  name: "signatureVerdict() takes the last signer of good results and refuses the first bad one",
  permissions: "none",
  fn() {
    const good = (commit: string, signer: string) =>
      ({ commit, status: "good", format: "ssh", signer, message: "" }) as const;
    assert.deepEqual(signatureVerdict("main", "main", tip, [good("c1", "s1"), good(tip, "s2")]), {
      ok: true,
      signer: "s2",
    });
    const bad = signatureVerdict("main", "main", tip, [
      good("c1".padEnd(40, "0"), "s1"),
      { commit: "c2".padEnd(40, "0"), status: "unsigned", format: "none", signer: "", message: "" },
    ]);
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.error.code, "signature-untrusted");
      assert.match(
        bad.error.message,
        /commit c20000000000 \(before the tip bbbbbbbbbbbb\) is not signed/,
      );
    }
  },
});

Deno.test({
  name: "sourceVerdict() is cached only when every branch was, and adds up the commits checked",
  permissions: "none",
  fn() {
    const branch = (name: string, kind: "cached" | "unchecked" | "verify", checked: number) => ({
      branch: name,
      commit: `${name}-c`,
      signer: `${name}-s`,
      check: kind === "verify"
        ? { kind, range: "tip" } as const
        : kind === "cached"
        ? { kind, signer: `${name}-s` } as const
        : { kind } as const,
      checked,
    });
    const v = sourceVerdict({
      source: "apps",
      requireSigned: true,
      branches: [branch("web", "cached", 0), branch("db", "verify", 2)],
    });
    assert.deepEqual(v, {
      source: "apps",
      commits: { web: "web-c", db: "db-c" },
      signers: { web: "web-s", db: "db-s" },
      verdict: "trusted",
      checked: 2,
    });
    assert.equal(
      sourceVerdict({ source: "a", requireSigned: true, branches: [branch("web", "cached", 0)] })
        .verdict,
      "cached",
    );
    assert.equal(
      sourceVerdict({
        source: "a",
        requireSigned: false,
        branches: [branch("web", "unchecked", 0)],
      })
        .verdict,
      "unchecked",
    );
  },
});

Deno.test({
  name:
    "commitDateVerdict() refuses a tip dated before the last deployed commit or beyond the skew ahead of the clock",
  permissions: "none",
  fn() {
    // 2026-01-01T00:00:00Z, the last deployed commit's date, and this host's clock an hour later
    const deployedAt = 1_767_225_600;
    const now = deployedAt + 3600;
    const dated = { ...prev, committedAt: deployedAt };
    const base: Parameters<typeof commitDateVerdict>[0] = {
      source: "main",
      branch: "main",
      tip,
      committedAt: deployedAt + 60,
      prev: dated,
      rollbackAllowed: false,
      now,
    };
    const table: {
      readonly why: string;
      readonly facts: Partial<Parameters<typeof commitDateVerdict>[0]>;
      /** undefined: accepted; else the message it is refused with */
      readonly refused?: RegExp;
    }[] = [
      { why: "a later commit", facts: {} },
      { why: "the same second", facts: { committedAt: deployedAt } },
      {
        why: "one second before the last deployed commit",
        facts: { committedAt: deployedAt - 1 },
        refused:
          /^source main \(branch main\): the tip bbbbbbbbbbbb is dated 2025-12-31T23:59:59Z \(committer date\), before 2026-01-01T00:00:00Z, the date of aaaaaaaaaaaa, the last deployed commit: refusing a back-dated commit$/,
      },
      {
        why: "a year back, rollbacks allowed",
        facts: { committedAt: deployedAt - 365 * 86400, rollbackAllowed: true },
      },
      { why: "no recorded date for the last deployed commit", facts: { prev, committedAt: 1 } },
      { why: "nothing deployed yet", facts: { prev: undefined, committedAt: 1 } },
      { why: "the tip is the last deployed commit", facts: { tip: prev.commit, committedAt: 1 } },
      { why: "no date known (signatures not checked)", facts: { committedAt: undefined } },
      { why: "ahead of the clock by the skew exactly", facts: { committedAt: now + 600 } },
      {
        why: "ahead of the clock by more than the skew",
        facts: { committedAt: now + 601 },
        refused:
          /^source main \(branch main\): the tip bbbbbbbbbbbb is dated 2026-01-01T01:10:01Z \(committer date\), more than 10 min after this host's clock \(2026-01-01T01:00:00Z\): refusing a commit from the future$/,
      },
      {
        why: "in the future with rollbacks allowed and nothing deployed",
        facts: { committedAt: now + 86400, rollbackAllowed: true, prev: undefined },
        refused: /is dated 2026-01-02T01:00:00Z .*refusing a commit from the future$/,
      },
      { why: "a larger skew given", facts: { committedAt: now + 601, maxSkew: 3600 } },
    ];
    assert.equal(MAX_CLOCK_SKEW_SECONDS, 600);
    for (const { why, facts, refused } of table) {
      const v = commitDateVerdict({ ...base, ...facts });
      if (refused === undefined) {
        assert.ok(v.ok, `${why}: ${v.ok ? "" : v.error.message}`);
        continue;
      }
      assert.ok(!v.ok, `${why}: accepted`);
      if (v.ok) continue;
      assert.equal(v.error.code, "commit-date-refused", why);
      assert.match(v.error.message, refused, why);
      assert.match(v.error.hint ?? "", /git commit --amend --no-edit -S/, why);
    }
    const back = commitDateVerdict({ ...base, committedAt: deployedAt - 1 });
    assert.ok(!back.ok && /hoist apply --allow-rollback/.test(back.error.hint ?? ""));
    const ahead = commitDateVerdict({ ...base, committedAt: now + 601 });
    assert.ok(!ahead.ok && /timedatectl/.test(ahead.error.hint ?? ""));
  },
});
