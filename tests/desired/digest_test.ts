import assert from "node:assert/strict";
import { hashParts, sha256Hex } from "../../lib/desired/digest.ts";
import { PURE } from "../support/pure.ts";

Deno.test({
  name: "sha256Hex() hashes strings as UTF-8 and bytes as they are",
  permissions: PURE,
  fn() {
    const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert.equal(sha256Hex("abc"), abc);
    assert.equal(sha256Hex(new Uint8Array([0x61, 0x62, 0x63])), abc);
  },
});

Deno.test({
  name: "hashParts() ignores the order parts are given in",
  permissions: PURE,
  fn() {
    assert.equal(
      hashParts([["b", "2"], ["a", new Uint8Array([0x31])]]),
      hashParts([["a", "1"], ["b", "2"]]),
    );
  },
});

Deno.test({
  name: "hashParts() frames names and contents so shifted boundaries do not collide",
  permissions: PURE,
  fn() {
    const hashes = [
      hashParts([["a", "bc"]]),
      hashParts([["ab", "c"]]),
      hashParts([["a", "b"], ["c", ""]]),
      hashParts([["a", ""], ["b", "c"]]),
      hashParts([]),
    ];
    assert.equal(new Set(hashes).size, hashes.length);
  },
});
