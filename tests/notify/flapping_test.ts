/**
 * The throttle over 50 simulated runs of a flapping service, through notifyRun with the real
 * notify.db (opened and closed by every run, as timer runs do) and a fake clock; the sink is a
 * recording stand-in for the HTTP adapter (the real one is tested in tests/integration).
 */
import assert from "node:assert/strict";
import type { HttpMessage } from "../../lib/adapters/notify_http.ts";
import { type NotifyDeps, notifyRun } from "../../lib/notify/notify_run.ts";
import { openNotifyStore } from "../../lib/state/notify_store.ts";
import { applied, testConfig } from "./fixtures.ts";

const BROKEN_WEB = { "web/manifest.yml": "Container:\n  Image: [a, b]\n" };
const START = Date.parse("2026-12-01T00:00:00Z");
const MIN = 60_000;

function recordingDeps(
  dir: string,
  sent: { at: number; body: Record<string, string> }[],
  now: () => number,
): NotifyDeps {
  return {
    openStore: () => openNotifyStore(`${dir}/notify.db`),
    readSecret: () => Promise.reject(new Error("no secrets here")),
    post: (msg: HttpMessage) => {
      sent.push({ at: now(), body: JSON.parse(new TextDecoder().decode(msg.body)) });
      return Promise.resolve({ ok: true, attempts: 1 });
    },
    mail: () => Promise.reject(new Error("no mail here")),
    sleep: () => Promise.resolve(),
    timeoutMs: 1000,
    backoffMs: 0,
  };
}

Deno.test("a service flapping over 50 runs five minutes apart yields one message per 30 minutes, each telling how many it stood for", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hoist-notify-" });
  try {
    const config = testConfig(
      `[[notify]]\ntype = "ntfy"\nurl = "http://127.0.0.1:1"\ntopic = "t"\nwindow = "30m"\n`,
    );
    const sent: { at: number; body: Record<string, string> }[] = [];
    let now = START;
    const deps = recordingDeps(dir, sent, () => now);
    let suppressed = 0;
    for (let run = 0; run < 50; run++) {
      now = START + run * 5 * MIN;
      // even runs: web's manifest is broken (failed); odd runs: fixed again (recovered)
      const outcome = applied({
        host: "deployed",
        ...(run % 2 === 0 ? { files: BROKEN_WEB } : {}),
      });
      const report = await notifyRun(deps, config, outcome, new Date(now));
      assert.deepEqual(report.errors, []);
      suppressed += report.suppressed;
    }
    const lines = sent.map((s) =>
      `${(s.at - START) / MIN} ${s.body.title} | ${s.body.message?.split("\n\n")[1] ?? ""}`
    );
    // failures at minutes 0, 10, …, 240 and recoveries at 5, 15, …, 245: one of each per 30 minutes
    assert.deepEqual(lines.slice(0, 6), [
      "0 h1: web failed | ",
      "5 h1: recovered | ",
      "30 h1: web failed | and 2 more failures of web since 00:10 UTC",
      "35 h1: recovered | and 2 more recoveries of main since 00:15 UTC",
      "60 h1: web failed | and 2 more failures of web since 00:40 UTC",
      "65 h1: recovered | and 2 more recoveries of main since 00:45 UTC",
    ]);
    assert.deepEqual(lines.slice(-2), [
      "240 h1: web failed | and 2 more failures of web since 03:40 UTC",
      "245 h1: recovered | and 2 more recoveries of main since 03:45 UTC",
    ]);
    assert.equal(sent.length, 18, "9 failed + 9 recovered in 250 minutes");
    assert.equal(suppressed, 50 - 18, "every other event was held back and counted");
    const store = openNotifyStore(`${dir}/notify.db`);
    try {
      assert.equal(store.deliveries(100).length, 18, "the log keeps each delivery");
      assert.deepEqual(store.state(), { fetchFailures: {}, failing: false });
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("throttle state survives a restart: a second process within the window sends nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hoist-notify-" });
  try {
    const config = testConfig(
      `[[notify]]\ntype = "ntfy"\nurl = "http://127.0.0.1:1"\ntopic = "t"\n`,
    );
    const sent: { at: number; body: Record<string, string> }[] = [];
    const broken = applied({ host: "deployed", files: BROKEN_WEB });
    const first = await notifyRun(
      recordingDeps(dir, sent, () => START),
      config,
      broken,
      new Date(START),
    );
    const again = await notifyRun(
      recordingDeps(dir, sent, () => START + 29 * MIN),
      config,
      broken,
      new Date(START + 29 * MIN),
    );
    assert.deepEqual([first.deliveries.length, again.deliveries.length, again.suppressed], [
      1,
      0,
      1,
    ]);
    const later = await notifyRun(
      recordingDeps(dir, sent, () => START + 31 * MIN),
      config,
      broken,
      new Date(START + 31 * MIN),
    );
    assert.equal(later.deliveries[0]?.result, "sent");
    assert.match(sent[1]?.body.message ?? "", /and 1 more failures of web since 00:29 UTC$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
