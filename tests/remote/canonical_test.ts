/**
 * The signed text of a remote request, its headers and its freshness: pure.
 */
import assert from "node:assert/strict";
import {
  armorSignature,
  bodyDigest,
  canonicalQuery,
  canonicalRequest,
  freshness,
  readSignatureHeaders,
  signatureHeader,
} from "../../lib/remote/canonical.ts";
import { ALICE_ARMOR, ALICE_SIGNATURE } from "./keys_fixture.ts";

const EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Deno.test({
  name: "canonicalRequest() is seven lines: version, method, path, sorted query, time, nonce, body",
  permissions: "none",
  fn() {
    const text = canonicalRequest({
      method: "post",
      path: "/api/v1/services/web/logs",
      query: new URLSearchParams("tail=100&since=1 h&a=2&a=1"),
      timestamp: 1796163045,
      nonce: "abcdefghijklmnop",
      bodySha256: bodyDigest(new Uint8Array()),
    });
    assert.equal(
      text,
      "hoist-remote-v1\nPOST\n/api/v1/services/web/logs\na=1&a=2&since=1%20h&tail=100\n" +
        `1796163045\nabcdefghijklmnop\n${EMPTY_SHA}\n`,
    );
  },
});

Deno.test({
  name: "canonicalQuery() does not depend on the order the client wrote the pairs in",
  permissions: "none",
  fn() {
    const cases: [string, string, string][] = [
      ["", "", ""],
      ["tail=5&since=1h", "since=1h&tail=5", "since=1h&tail=5"],
      ["x=%26&y=%3D", "y=%3D&x=%26", "x=%26&y=%3D"],
      ["k=b&k=a", "k=a&k=b", "k=a&k=b"],
    ];
    for (const [a, b, want] of cases) {
      assert.equal(canonicalQuery(new URLSearchParams(a)), want, a);
      assert.equal(canonicalQuery(new URLSearchParams(b)), want, b);
    }
  },
});

Deno.test({
  name: "readSignatureHeaders() names what is missing or malformed",
  permissions: "none",
  fn() {
    const good = {
      "x-hoist-timestamp": "1796163045",
      "x-hoist-nonce": "abcdefghijklmnop",
      "x-hoist-signature": ALICE_SIGNATURE,
    };
    const cases: [Record<string, string>, RegExp | "ok"][] = [
      [good, "ok"],
      [{}, /^unsigned/],
      [{ ...good, "x-hoist-timestamp": "-5" }, /Timestamp must be unix seconds/],
      [{ ...good, "x-hoist-timestamp": "1e9" }, /Timestamp must be unix seconds/],
      [{ ...good, "x-hoist-nonce": "short" }, /Nonce must be 16-64/],
      [{ ...good, "x-hoist-nonce": "a".repeat(65) }, /Nonce must be 16-64/],
      [{ ...good, "x-hoist-signature": "not base64!" }, /Signature must be the base64/],
    ];
    for (const [headers, want] of cases) {
      const r = readSignatureHeaders(new Headers(headers));
      if (want === "ok") {
        assert.deepEqual(r, {
          ok: true,
          timestamp: 1796163045,
          nonce: "abcdefghijklmnop",
          signature: ALICE_SIGNATURE,
        });
      } else {
        assert.equal(r.ok, false, JSON.stringify(headers));
        assert.match((r as { reason: string }).reason, want);
      }
    }
  },
});

Deno.test({
  name: "freshness() accepts 60 s back and 5 s ahead, refuses beyond",
  permissions: "none",
  fn() {
    const now = 1_000_000_000;
    const cases: [number, RegExp | "ok"][] = [
      [now, "ok"],
      [now - 60, "ok"],
      [now - 61, /signed 61 s ago \(at most 60 s\)/],
      [now - 86400, /signed 86400 s ago/],
      [now + 5, "ok"],
      [now + 6, /6 s in the future/],
    ];
    for (const [ts, want] of cases) {
      const r = freshness(ts, now * 1000 + 999);
      if (want === "ok") assert.deepEqual(r, { ok: true }, String(ts - now));
      else assert.match((r as { reason: string }).reason, want);
    }
  },
});

Deno.test({
  name: "signatureHeader() and armorSignature() turn ssh-keygen's armor into one line and back",
  permissions: "none",
  fn() {
    assert.equal(signatureHeader(ALICE_ARMOR), ALICE_SIGNATURE);
    assert.equal(armorSignature(ALICE_SIGNATURE), ALICE_ARMOR);
    assert.equal(signatureHeader("-----BEGIN PGP SIGNATURE-----\nabc\n"), undefined);
  },
});
