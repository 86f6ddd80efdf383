/**
 * `hoist doctor`'s accounts check: one line per account a service runs as (`user =`), with the
 * plan's judgement and fix.
 */
import assert from "node:assert/strict";
import { checkAccounts } from "../../lib/doctor/check_accounts.ts";

const E2E = { name: "e2e", uid: 1001, gid: 1001, home: "/home/e2e", lingers: true, subids: true };

Deno.test({
  name:
    "checkAccounts() is ok for an account that exists and lingers, an error naming the fix otherwise, a warning without subids",
  permissions: "none",
  fn() {
    const results = checkAccounts([
      { service: "web", user: "e2e", account: E2E },
      { service: "api", user: "e2e", account: E2E },
      { service: "db", user: "idle", account: { ...E2E, name: "idle", lingers: false } },
      { service: "cache", user: "ghost", account: undefined },
      { service: "q", user: "noids", account: { ...E2E, name: "noids", subids: false } },
    ]);
    assert.deepEqual(results.map((r) => [r.id, r.level]), [
      ["user e2e", "ok"],
      ["user ghost", "error"],
      ["user idle", "error"],
      ["user noids", "warning"],
    ]);
    assert.equal(results[0]?.message, "exists and lingers (services api, web)");
    assert.match(results[1]?.message ?? "", /^no account "ghost" on this host \(services cache\)$/);
    assert.match(results[1]?.fix ?? "", /useradd --create-home ghost/);
    assert.equal(results[2]?.fix, "Run loginctl enable-linger idle");
    assert.match(results[3]?.fix ?? "", /usermod --add-subuids/);
    assert.deepEqual(checkAccounts([]), []);
  },
});
