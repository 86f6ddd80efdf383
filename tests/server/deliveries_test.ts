/** Replay protection: delivery ids remembered for 24 h, bounded, kept across restarts. */
import assert from "node:assert/strict";
import {
  deliveryId,
  DeliveryLog,
  type DeliveryStore,
  MAX_DELIVERIES,
  REPLAY_WINDOW_MS,
} from "../../lib/server/deliveries.ts";
import { openDeliveryStore } from "../../lib/state/delivery_store.ts";

const T0 = Date.parse("2026-12-01T12:00:00Z");

function memoryStore(): DeliveryStore & { rows: Map<string, number> } {
  const rows = new Map<string, number>();
  return {
    rows,
    load: (since) => [...rows].filter(([, at]) => at >= since).sort((a, b) => a[1] - b[1]),
    add: (id, at) => void rows.set(id, at),
    prune: (before) => {
      for (const [id, at] of rows) if (at < before) rows.delete(id);
    },
  };
}

Deno.test({
  name: "deliveryId() reads each provider's header and refuses odd values",
  permissions: "none",
  fn() {
    const id = (h: Record<string, string>) => deliveryId(new Headers(h));
    assert.equal(id({ "x-github-delivery": "72d3162e-cc78" }), "x-github-delivery:72d3162e-cc78");
    assert.equal(id({ "x-gitea-delivery": "abc" }), "x-gitea-delivery:abc");
    assert.equal(id({ "x-gitlab-event-uuid": "u-1" }), "x-gitlab-event-uuid:u-1");
    assert.equal(id({}), undefined);
    assert.equal(id({ "x-github-delivery": "a b" }), "invalid");
    assert.equal(id({ "x-github-delivery": "x".repeat(201) }), "invalid");
  },
});

Deno.test({
  name: "DeliveryLog refuses an id seen in the last 24 h and accepts it after",
  permissions: "none",
  fn() {
    const log = new DeliveryLog(undefined, T0);
    assert.equal(log.accept("a", T0), true);
    assert.equal(log.accept("a", T0 + 1000), false);
    assert.equal(log.accept("a", T0 + REPLAY_WINDOW_MS - 1), false);
    assert.equal(log.accept("a", T0 + REPLAY_WINDOW_MS), true);
    assert.equal(log.accept("b", T0), true);
  },
});

Deno.test({
  name: `DeliveryLog holds at most ${MAX_DELIVERIES} ids, dropping the oldest`,
  permissions: "none",
  fn() {
    const log = new DeliveryLog(undefined, T0);
    for (let i = 0; i < MAX_DELIVERIES + 10; i++) assert.equal(log.accept(`id-${i}`, T0 + i), true);
    assert.equal(log.size, MAX_DELIVERIES);
    assert.equal(log.accept("id-0", T0 + MAX_DELIVERIES + 20), true, "the oldest was forgotten");
    assert.equal(log.accept(`id-${MAX_DELIVERIES + 9}`, T0 + MAX_DELIVERIES + 21), false);
  },
});

Deno.test({
  name: "DeliveryLog: ids outlive a restart through its store, old ones do not",
  permissions: "none",
  fn() {
    const store = memoryStore();
    const first = new DeliveryLog(store, T0);
    first.accept("old", T0);
    first.accept("recent", T0 + REPLAY_WINDOW_MS / 2);
    const second = new DeliveryLog(store, T0 + REPLAY_WINDOW_MS + 1);
    assert.equal(second.accept("recent", T0 + REPLAY_WINDOW_MS + 2), false);
    assert.equal(second.accept("old", T0 + REPLAY_WINDOW_MS + 2), true);
  },
});

Deno.test("openDeliveryStore() keeps ids in SQLite across opens and prunes by age and count", () => {
  const dir = Deno.makeTempDirSync({ prefix: "hoist-deliveries-" });
  try {
    const path = `${dir}/webhooks.db`;
    const a = openDeliveryStore(path);
    a.add("x", T0);
    a.add("y", T0 + 10);
    a.add("z", T0 + 20);
    a.close();
    const b = openDeliveryStore(path);
    assert.deepEqual(b.load(T0 + 5), [["y", T0 + 10], ["z", T0 + 20]]);
    b.prune(T0 + 5, 1);
    assert.deepEqual(b.load(0), [["z", T0 + 20]]);
    const log = new DeliveryLog(b, T0 + 30);
    assert.equal(log.accept("z", T0 + 31), false);
    b.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
