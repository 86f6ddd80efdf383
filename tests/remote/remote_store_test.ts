/**
 * remote.db: operations are recorded newest first; a stop is held until it is cleared.
 */
import assert from "node:assert/strict";
import {
  clearStops,
  openRemoteStore,
  recordedStops,
  remoteDbPath,
} from "../../lib/state/remote_store.ts";

Deno.test("remote store: records and stops survive a reopen; unstop clears one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/remote.db`;
    const s = openRemoteStore(path);
    const base = { fingerprint: "SHA256:x", comment: "alice@ci", service: "web", reason: "" };
    s.record({ ...base, at: "2026-12-01T12:00:00.000Z", op: "ps", status: 200, result: "ok" });
    s.record({ ...base, at: "2026-12-01T12:00:01.000Z", op: "stop", status: 200, result: "ok" });
    s.stop({
      service: "web",
      hash: "0123456789abcdef",
      principal: "SHA256:x (alice@ci)",
      at: "2026-12-01T12:00:01.000Z",
    });
    s.stop({
      service: "db",
      hash: "fedcba9876543210",
      principal: "SHA256:x (alice@ci)",
      at: "2026-12-01T12:00:02.000Z",
    });
    s.close();
    const again = openRemoteStore(path);
    assert.deepEqual(again.records(10).map((r) => r.op), ["stop", "ps"]);
    assert.deepEqual(again.stops().map((x) => `${x.service} ${x.hash}`), [
      "db fedcba9876543210",
      "web 0123456789abcdef",
    ]);
    again.unstop("web");
    assert.deepEqual(again.stops().map((x) => x.service), ["db"]);
    again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote store: a run reads the stops without creating remote.db, and clears lifted ones", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepEqual(recordedStops(dir), []);
    clearStops(dir, ["web"]);
    await assert.rejects(() => Deno.stat(remoteDbPath(dir)), Deno.errors.NotFound);
    const s = openRemoteStore(remoteDbPath(dir));
    const at = "2026-12-01T12:00:01.000Z";
    s.stop({ service: "web", hash: "0123456789abcdef", principal: "SHA256:x (a)", at });
    s.stop({ service: "db", hash: "fedcba9876543210", principal: "SHA256:x (a)", at });
    assert.deepEqual(recordedStops(dir).map((x) => x.service), ["db", "web"]);
    clearStops(dir, ["web"]);
    assert.deepEqual(s.stops().map((x) => x.service), ["db"]);
    s.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
