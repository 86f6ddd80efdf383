/** Bodies read within a limit, refused early when they say they are larger. */
import assert from "node:assert/strict";
import { readBody } from "../../lib/server/read_body.ts";

/** A body stream of `chunks` chunks of `size` bytes that records how many were pulled. */
function counted(chunks: number, size: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulled === chunks) return c.close();
      pulled++;
      c.enqueue(new Uint8Array(size));
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled };
}

Deno.test({
  name: "readBody(): a declared length over the limit is refused before a byte is read",
  permissions: "none",
  async fn() {
    const body = counted(100, 1024);
    const req = new Request("http://x/", {
      method: "POST",
      body: body.stream,
      headers: { "content-length": String(100 * 1024) },
    });
    assert.deepEqual(await readBody(req, 1024), {
      ok: false,
      status: 413,
      reason: "body over 1024 bytes",
    });
    assert.equal(body.pulled(), 0);
  },
});

Deno.test({
  name: "readBody(): a body without a length is cut off at the limit",
  permissions: "none",
  async fn() {
    const body = counted(1000, 1024);
    const req = new Request("http://x/", { method: "POST", body: body.stream });
    const r = await readBody(req, 4096);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.status, 413);
    assert.ok(body.pulled() <= 6, `read ${body.pulled()} chunks of 1000`);
  },
});

Deno.test({
  name: "readBody(): bodies up to the limit, empty ones and odd lengths",
  permissions: "none",
  async fn() {
    const exact = await readBody(new Request("http://x/", { method: "POST", body: "abcd" }), 4);
    assert.deepEqual(exact.ok && new TextDecoder().decode(exact.bytes), "abcd");
    const none = await readBody(new Request("http://x/", { method: "POST" }), 4);
    assert.deepEqual(none.ok && none.bytes.length, 0);
    const odd = await readBody(
      new Request("http://x/", {
        method: "POST",
        body: "ab",
        headers: { "content-length": "1e3" },
      }),
      4,
    );
    assert.deepEqual(odd, { ok: false, status: 400, reason: "Content-Length is not a number" });
  },
});

Deno.test({
  name: "readBody(): a client that stops sending half-way gets 408 once the time is up",
  permissions: "none",
  async fn() {
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(10)); // then nothing, ever
      },
      cancel() {
        cancelled = true;
      },
    });
    const req = new Request("http://x/", { method: "POST", body: stalled });
    assert.deepEqual(await readBody(req, 1024, 50), {
      ok: false,
      status: 408,
      reason: "the body took longer than 0.05s",
    });
    assert.ok(cancelled, "the stream was cancelled");
  },
});
