/**
 * The container listing started before the fetch (lib/observed/early_listing.ts): podman is asked
 * at once, observe's first ask takes that answer while it is fresh, every other ask (a second
 * one, or one after a slow fetch) asks podman again; a failure reaches the asker, and none is
 * unhandled when nobody asks.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Podman } from "../../lib/adapters/podman.ts";
import { withEarlyListing } from "../../lib/observed/early_listing.ts";
import type { ExistingObject, ObjectKey, ObservedContainer } from "../../lib/types/observed.ts";

/** A podman whose n-th listing answers with one container of id `c<n>` (or fails with `fail`). */
function counting(fail?: Error) {
  let calls = 0;
  const podman: Podman = {
    listContainers: () => {
      calls++;
      if (fail !== undefined) return Promise.reject(fail);
      return Promise.resolve([{ id: `c${calls}` } as ObservedContainer]);
    },
    listObjects: () => Promise.resolve(new Map()),
  };
  return { podman, calls: () => calls };
}

const ids = async (p: Podman) => (await p.listContainers()).map((c) => c.id);

Deno.test({
  name: "withEarlyListing() asks podman at once and gives that answer to the first fresh ask only",
  permissions: "none",
  async fn() {
    const cases: Array<[string, number, string[][], number]> = [
      // [name, ms between the start and the asks, ids each ask gets, podman calls]
      ["asked at once", 0, [["c1"]], 1],
      ["asked within the age", 1000, [["c1"]], 1],
      ["asked twice: the second is a new listing", 10, [["c1"], ["c2"]], 2],
      ["asked after the age: a new listing", 1001, [["c2"]], 2],
      ["asked after the age twice", 5000, [["c2"], ["c3"]], 3],
    ];
    for (const [name, after, want, calls] of cases) {
      const c = counting();
      let now = 100;
      const early = withEarlyListing(c.podman, () => now, 1000);
      assert.equal(c.calls(), 1, `${name}: started at once`);
      now += after;
      const got = [];
      for (const _ of want) got.push(await ids(early));
      assert.deepEqual(got, want, name);
      assert.equal(c.calls(), calls, name);
    }
  },
});

Deno.test({
  name: "withEarlyListing() passes podman's failure to the asker and leaves none unhandled",
  permissions: "none",
  async fn() {
    const boom = new Error("podman: command not found");
    const asked = withEarlyListing(counting(boom).podman, () => 0);
    await assert.rejects(asked.listContainers(), boom);
    // nobody asks (the fetch failed first): the test runner fails on an unhandled rejection
    withEarlyListing(counting(boom).podman, () => 0);
    await new Promise((r) => setTimeout(r, 0));
  },
});

Deno.test({
  name: "withEarlyListing() leaves listObjects to podman",
  permissions: "none",
  async fn() {
    const c = counting();
    const objects = new Map<ObjectKey, ExistingObject>([
      ["volume:data", { kind: "volume", name: "data", service: "", unit: "" }],
    ]);
    const early = withEarlyListing({ ...c.podman, listObjects: () => Promise.resolve(objects) });
    assert.equal(await early.listObjects(), objects);
  },
});
