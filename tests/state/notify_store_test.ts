import assert from "node:assert/strict";
import { HoistError } from "../../lib/errors.ts";
import { openNotifyStore } from "../../lib/state/notify_store.ts";

const STATE = { fetchFailures: {}, failing: true };

Deno.test("the notify store's transaction keeps nothing of a failed write and gives its error as state-failed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hoist-notify-store-" });
  const path = `${dir}/notify.db`;
  try {
    const store = openNotifyStore(path);
    try {
      assert.throws(
        () =>
          store.transaction(() => {
            store.setState(STATE);
            throw new Error("sink exploded");
          }),
        (e) => {
          assert.ok(e instanceof HoistError, String(e));
          assert.equal(e.code, "state-failed");
          assert.match(e.message, new RegExp(`${path}: cannot write the notification state`));
          assert.match(`${e.message}\n${e.hint ?? ""}`, /sink exploded/);
          return true;
        },
      );
      assert.equal(store.state(), undefined, "the write inside the failed transaction was undone");
      store.transaction(() => store.setState(STATE));
      assert.deepEqual(store.state(), STATE);
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a notify.db that is not a database is one state-failed error naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hoist-notify-store-" });
  const path = `${dir}/notify.db`;
  try {
    await Deno.writeTextFile(path, "this is not sqlite\n".repeat(200));
    assert.throws(() => openNotifyStore(path), (e) => {
      assert.ok(e instanceof HoistError, String(e));
      assert.equal(e.code, "state-failed");
      assert.match(e.message, new RegExp(`${path}: cannot open it`));
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
