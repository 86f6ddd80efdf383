import assert from "node:assert/strict";
import { remoteEvent } from "../../lib/notify/remote_event.ts";
import type { RemoteRecord } from "../../lib/state/remote_store.ts";

const AT = "2026-12-02T10:00:00.000Z";
const ok: RemoteRecord = {
  at: AT,
  fingerprint: "SHA256:abc",
  comment: "alice@ci",
  op: "stop",
  service: "web",
  status: 200,
  result: "ok",
  reason: "",
};

Deno.test({
  name: "remoteEvent() tells what a verified key changed, with who and how it ended; nothing else",
  permissions: "none",
  fn() {
    const table: { name: string; record: RemoteRecord; summary: string | undefined }[] = [
      { name: "a stop", record: ok, summary: "stop of web by SHA256:abc (alice@ci): ok" },
      {
        name: "a key of another service",
        record: {
          ...ok,
          op: "restart",
          comment: "bob",
          status: 403,
          result: "refused",
          reason: "key SHA256:abc may not operate web",
        },
        summary:
          "restart of web by SHA256:abc (bob): refused (HTTP 403): key SHA256:abc may not operate web",
      },
      {
        name: "a failed pull, the reason on one line",
        record: { ...ok, op: "pull", status: 502, result: "failed", reason: "denied\nby registry" },
        summary: "pull of web by SHA256:abc (alice@ci): failed (HTTP 502): denied\\x0aby registry",
      },
      {
        name: "a key without comment",
        record: { ...ok, comment: "" },
        summary: "stop of web by SHA256:abc: ok",
      },
      { name: "a read is not told", record: { ...ok, op: "logs" }, summary: undefined },
      {
        name: "host-wide apply is not told",
        record: { ...ok, op: "apply", service: "" },
        summary: undefined,
      },
      {
        name: "no verified key (anyone can send that) is not told",
        record: { ...ok, fingerprint: "", comment: "", status: 401, result: "refused" },
        summary: undefined,
      },
    ];
    for (const t of table) {
      const e = remoteEvent("pi", t.record);
      assert.equal(e?.summary, t.summary, t.name);
      if (e !== undefined) {
        assert.deepEqual({ ...e, summary: "" }, {
          kind: "remote",
          host: "pi",
          at: AT,
          service: "web",
          summary: "",
        });
      }
    }
  },
});
