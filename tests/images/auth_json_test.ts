/** podman's auth file from hoist's credentials, and pgo's user:token@registry lines. */
import assert from "node:assert/strict";
import { authJson, parseCredentialLines } from "../../lib/images/auth_json.ts";

Deno.test({
  name: "authJson(): base64 user:password per host, sorted, later entries win, auth files merged",
  permissions: "none",
  fn() {
    const text = authJson(
      [
        { host: "ghcr.io", username: "me", password: "ghp_token" },
        { host: "127.0.0.1:5000", username: "ci", password: "p@ss:wörd" },
      ],
      [{ host: "quay.io", entry: { auth: "eHg6eXk=" } }, {
        host: "ghcr.io",
        entry: { auth: "old" },
      }],
    );
    const doc = JSON.parse(text) as { auths: Record<string, { auth: string }> };
    assert.deepEqual(Object.keys(doc.auths), ["127.0.0.1:5000", "ghcr.io", "quay.io"]);
    assert.equal(atob(doc.auths["ghcr.io"]!.auth), "me:ghp_token");
    assert.equal(
      new TextDecoder().decode(
        Uint8Array.from(atob(doc.auths["127.0.0.1:5000"]!.auth), (c) => c.charCodeAt(0)),
      ),
      "ci:p@ss:wörd",
    );
    assert.equal(doc.auths["quay.io"]!.auth, "eHg6eXk=");
    assert.equal(
      text,
      authJson([{ host: "ghcr.io", username: "me", password: "ghp_token" }, {
        host: "127.0.0.1:5000",
        username: "ci",
        password: "p@ss:wörd",
      }], [{ host: "ghcr.io", entry: { auth: "old" } }, {
        host: "quay.io",
        entry: { auth: "eHg6eXk=" },
      }]),
      "the same credentials give the same text, whatever the order",
    );
  },
});

Deno.test({
  name:
    "parseCredentialLines(): user:token@registry, comments and blanks skipped, errors name lines only",
  permissions: "none",
  fn() {
    const r = parseCredentialLines(
      "# pgo registries\nme:ghp_SECRET@b@ghcr.io\n\nci:SECRET2@127.0.0.1:5000\r\nnot-a-line\n:SECRET3@ghcr.io\nme:SECRET4@https://ghcr.io\n",
    );
    assert.deepEqual(r.logins, [
      { host: "ghcr.io", username: "me", password: "ghp_SECRET@b" },
      { host: "127.0.0.1:5000", username: "ci", password: "SECRET2" },
    ]);
    assert.deepEqual(r.errors, [
      "line 5 is not user:token@registry",
      "line 6 has an empty user or token",
      "line 7 is not user:token@registry",
    ]);
    for (const e of r.errors) assert.doesNotMatch(e, /SECRET/);
  },
});
