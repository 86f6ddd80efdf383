/**
 * The nonce window: a nonce is refused while a request carrying it could still be fresh, and the
 * memory stays bounded: pure.
 */
import assert from "node:assert/strict";
import { NONCE_WINDOW_MS, NonceLog } from "../../lib/remote/nonces.ts";

Deno.test({
  name: "NonceLog refuses a nonce seen within the window and accepts it once stale",
  permissions: "none",
  fn() {
    const log = new NonceLog();
    assert.equal(log.reserve("n1", 0), "ok");
    assert.equal(log.reserve("n1", 1000), "replayed");
    assert.equal(log.reserve("n1", NONCE_WINDOW_MS - 1), "replayed");
    assert.equal(log.reserve("n2", NONCE_WINDOW_MS - 1), "ok");
    assert.equal(log.reserve("n1", NONCE_WINDOW_MS), "ok", "a request signed then is stale anyway");
    assert.equal(log.size, 2);
  },
});

Deno.test({
  name: "NonceLog is bounded: full means refused, never an old nonce forgotten early",
  permissions: "none",
  fn() {
    const log = new NonceLog(3);
    for (const n of ["a", "b", "c"]) assert.equal(log.reserve(n, 10), "ok");
    assert.equal(log.reserve("d", 20), "full");
    assert.equal(log.reserve("a", 20), "replayed", "a is still held");
    log.release("b");
    assert.equal(log.reserve("d", 20), "ok", "a released nonce frees its place");
    assert.equal(log.reserve("e", 10 + NONCE_WINDOW_MS), "ok", "expired ones go first");
    assert.equal(log.size, 2);
  },
});
