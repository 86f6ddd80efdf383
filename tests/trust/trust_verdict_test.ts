/**
 * The trust decision as a pure function of what git and the signature checks found.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { TrustConfig } from "../../lib/config/load_config.ts";
import { branchDecision, signatureVerdict, sourceVerdict } from "../../lib/trust/trust_verdict.ts";

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
