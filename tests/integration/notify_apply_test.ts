/**
 * `hoist apply` tells the configured sinks after the run (real git and generator, FAKE podman +
 * systemd, a real HTTP receiver on 127.0.0.1): a deploy reaches a webhook sink; a receiver that
 * never answers costs bounded time and changes neither the apply nor its exit code; plan and
 * apply --dry-run tell nobody.
 */
import assert from "node:assert/strict";
import { httpReceiver, silentReceiver } from "../notify/receivers.ts";
import { exampleFiles, makeHost, show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";

const ignore = skipWithoutQuadlet();

async function withSink(path: string, url: string): Promise<void> {
  const text = await Deno.readTextFile(path);
  await Deno.writeTextFile(
    path,
    `${text}\n[[notify]]\ntype = "webhook"\nurl = "${url}"\non = ["deployed", "failed"]\n`,
  );
}

Deno.test({
  name: "apply sends a deployed event to a webhook sink; plan and --dry-run send nothing",
  ignore,
  async fn() {
    const hook = await httpReceiver();
    try {
      await withTempDir(async (dir) => {
        const h = await makeHost(dir, await exampleFiles());
        await withSink(h.configPath, `${hook.url}/hoist`);
        assert.equal((await h.cli("plan", "--quiet")).code, 0);
        assert.equal((await h.cli("apply", "--dry-run", "--quiet")).code, 0);
        assert.equal(hook.received.length, 0, "a plan tells nobody");
        const r = await h.cli("apply", "--quiet");
        assert.equal(r.code, 0, show(r));
        assert.ok(hook.received.length >= 1, show(r));
        const kinds = hook.received.map((m) =>
          JSON.parse(new TextDecoder().decode(m.body)).event.kind
        );
        assert.ok(kinds.every((k: string) => k === "deployed"), kinds.join(", "));
      });
    } finally {
      await hook.stop();
    }
  },
});

Deno.test({
  name: "a sink that never answers leaves apply's result and exit code alone",
  ignore,
  async fn() {
    const silent = await silentReceiver();
    try {
      await withTempDir(async (dir) => {
        const h = await makeHost(dir, await exampleFiles());
        await withSink(h.configPath, silent.url);
        const r = await h.cli("apply", "--quiet");
        assert.equal(r.code, 0, show(r));
        assert.match(r.err, /^warning: notify webhook: deployed not sent: /m);
        const again = await h.cli("plan", "--detailed-exitcode", "--quiet");
        assert.equal(again.code, 0, `the apply itself completed: ${show(again)}`);
      });
    } finally {
      await silent.stop();
    }
  },
});
