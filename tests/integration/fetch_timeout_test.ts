/**
 * `[source] timeout` through the CLI: a git server that accepts the connection and never answers
 * stops `hoist apply` at the configured timeout with one clear error, and the lock is free again
 * (the second apply fails the same way instead of waiting for the first).
 *
 * @module
 */
import assert from "node:assert/strict";
import { hostCli, withTempDir } from "./helpers.ts";
import { startSilentServer } from "./servers.ts";

Deno.test("[source] timeout stops an apply against a silent git server and frees the lock", async () => {
  await withTempDir(async (dir) => {
    const server = startSilentServer();
    try {
      const config = `${dir}/config.toml`;
      await Deno.mkdir(`${dir}/state`, { mode: 0o700 });
      await Deno.writeTextFile(
        config,
        `host = "pi"\nmode = "user"\nstate_dir = "${dir}/state"\nquadlet_dir = "${dir}/q"\n` +
          `[source]\nurl = "git://127.0.0.1:${server.port}/repo.git"\ntimeout = "2s"\n` +
          `[trust]\nrequire_signed = false\n`,
      );
      for (const attempt of [1, 2]) {
        const started = Date.now();
        const r = await hostCli(`${dir}/home`, [
          "--config",
          config,
          "apply",
          "--lock-timeout",
          "0",
        ]);
        const took = Date.now() - started;
        const out = `${r.out}${r.err}`;
        assert.notEqual(r.code, 0, out);
        assert.match(out, /no answer within 2 s; stopped git fetch/, `attempt ${attempt}: ${out}`);
        assert.doesNotMatch(out, /another hoist apply is running/, `attempt ${attempt}`);
        // the default would be 60 s; what counts is that the configured 2 s applied
        assert.ok(took < 30_000, `attempt ${attempt} took ${took} ms`);
      }
      assert.ok(server.accepted() >= 2, "git reached the silent server both times");
    } finally {
      await server.stop();
    }
  });
});
