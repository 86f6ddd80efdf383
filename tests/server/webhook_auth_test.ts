/**
 * Webhook authentication against signatures made by openssl (`printf BODY | openssl dgst -sha256
 * -hmac mysecret`), the way seed 001's CI and GitHub compute them.
 */
import assert from "node:assert/strict";
import { authenticate, constantTimeEqual, webhookSecret } from "../../lib/server/webhook_auth.ts";

const enc = (s: string) => new TextEncoder().encode(s);
/** openssl's HMAC-SHA256 of `{"action":"published"}` and of the empty body with key "mysecret". */
const PUBLISHED = "e1e205e84edced57c16c204efd13eded4b5632b474fe6954fc58ab7a86b515bd";
const EMPTY = "9074a74de0f34ece3f046403ae88d2eea400281da0ed6ebfa76c949016fa672d";
const BODY = '{"action":"published"}';

const cases: {
  name: string;
  secret?: string;
  headers: Record<string, string>;
  body: string;
  ok: boolean | "gitlab";
  reason?: RegExp;
}[] = [
  {
    name: "seed 001's signed body",
    headers: { "x-hub-signature-256": `sha256=${PUBLISHED}` },
    body: BODY,
    ok: true,
  },
  {
    name: "an empty body signed",
    headers: { "x-hub-signature-256": `sha256=${EMPTY}` },
    body: "",
    ok: true,
  },
  {
    name: "upper-case hex",
    headers: { "x-hub-signature-256": `sha256=${PUBLISHED.toUpperCase()}` },
    body: BODY,
    ok: true,
  },
  {
    name: "a secret file's trailing newline is not part of the key",
    secret: "mysecret\n",
    headers: { "x-hub-signature-256": `sha256=${PUBLISHED}` },
    body: BODY,
    ok: true,
  },
  {
    name: "the body altered after signing",
    headers: { "x-hub-signature-256": `sha256=${PUBLISHED}` },
    body: '{"action":"deleted"}',
    ok: false,
    reason: /does not match/,
  },
  {
    name: "another secret",
    secret: "othersecret",
    headers: { "x-hub-signature-256": `sha256=${PUBLISHED}` },
    body: BODY,
    ok: false,
    reason: /does not match/,
  },
  {
    name: "odd hex",
    headers: { "x-hub-signature-256": `sha256=${PUBLISHED.slice(1)}` },
    body: BODY,
    ok: false,
    reason: /64 hex digits/,
  },
  {
    name: "truncated",
    headers: { "x-hub-signature-256": `sha256=${PUBLISHED.slice(0, 40)}` },
    body: BODY,
    ok: false,
    reason: /64 hex digits/,
  },
  {
    name: "not hex",
    headers: { "x-hub-signature-256": `sha256=${"z".repeat(64)}` },
    body: BODY,
    ok: false,
    reason: /64 hex digits/,
  },
  {
    name: "another algorithm",
    headers: { "x-hub-signature-256": `sha1=${PUBLISHED.slice(0, 40)}` },
    body: BODY,
    ok: false,
    reason: /sha256=/,
  },
  { name: "no signature at all", headers: {}, body: BODY, ok: false, reason: /unsigned/ },
  { name: "Gitea's bare hex", headers: { "x-gitea-signature": PUBLISHED }, body: BODY, ok: true },
  {
    name: "Gitea's bare hex, wrong",
    headers: { "x-gitea-signature": EMPTY },
    body: BODY,
    ok: false,
    reason: /does not match/,
  },
  { name: "GitLab's token", headers: { "x-gitlab-token": "mysecret" }, body: BODY, ok: "gitlab" },
  {
    name: "GitLab's token, wrong",
    headers: { "x-gitlab-token": "mysecreT" },
    body: BODY,
    ok: false,
    reason: /X-Gitlab-Token/,
  },
  {
    name: "GitLab's token, a prefix of the secret",
    headers: { "x-gitlab-token": "mysecre" },
    body: BODY,
    ok: false,
    reason: /X-Gitlab-Token/,
  },
];

for (const c of cases) {
  Deno.test({
    name: `authenticate(): ${c.name}`,
    permissions: "none",
    async fn() {
      const secret = await webhookSecret(enc(c.secret ?? "mysecret"));
      const v = await authenticate(secret, new Headers(c.headers), enc(c.body));
      if (c.ok === false) {
        assert.equal(v.ok, false);
        if (!v.ok) {
          assert.match(v.reason, c.reason ?? /./);
          assert.doesNotMatch(
            v.reason,
            /mysecret|e1e205/,
            "the reason names no secret or signature",
          );
        }
      } else {
        assert.deepEqual(v, { ok: true, provider: c.ok === "gitlab" ? "gitlab" : "hmac" });
      }
    },
  });
}

Deno.test({
  name: "constantTimeEqual() compares every byte and refuses other lengths",
  permissions: "none",
  fn() {
    assert.equal(constantTimeEqual(enc("abc"), enc("abc")), true);
    assert.equal(constantTimeEqual(enc("abc"), enc("abd")), false);
    assert.equal(constantTimeEqual(enc("abc"), enc("xbc")), false);
    assert.equal(constantTimeEqual(enc("abc"), enc("abcd")), false);
    assert.equal(constantTimeEqual(enc(""), enc("")), true);
  },
});
