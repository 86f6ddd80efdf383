/**
 * `hoist apply --metrics-file` / `[metrics] textfile`: the timer run's metrics for node_exporter,
 * checked by promtool, after a deploy and after a failed fetch; a path that cannot be written is a
 * warning that leaves the exit code alone. Real git and generator, FAKE podman + systemd.
 */
import assert from "node:assert/strict";
import { exampleFiles, makeHost, show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";

const ignore = skipWithoutQuadlet();
const PROMTOOL = Deno.env.get("PROMTOOL") ?? "/usr/local/bin/promtool";

async function promtool(path: string): Promise<string> {
  const out = await new Deno.Command(PROMTOOL, {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const w = out.stdin.getWriter();
  await w.write(await Deno.readFile(path));
  await w.close();
  const r = await out.output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, text);
  return text;
}

Deno.test({
  name: "apply --metrics-file writes promtool-clean gauges after a deploy and after a failed fetch",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      const file = `${dir}/textfile/hoist.prom`;
      await Deno.mkdir(`${dir}/textfile`);
      const first = await h.cli("apply", "--quiet", "--metrics-file", file);
      assert.equal(first.code, 0, show(first));
      assert.equal(await promtool(file), "");
      const text = await Deno.readTextFile(file);
      assert.match(text, /^hoist_last_run_result\{result="changed"\} 1$/m);
      for (const s of ["api", "db", "web"]) {
        assert.match(text, new RegExp(`^hoist_service_up\\{service="${s}"\\} 1$`, "m"));
      }
      assert.match(
        text,
        new RegExp(
          `^hoist_source_info\\{source="main",commit="${await h.repo
            .head()}",signer="unsigned"\\} 1$`,
          "m",
        ),
      );
      assert.doesNotMatch(text, /_total|_bucket/);
      const mode = (await Deno.stat(file)).mode! & 0o777;
      assert.equal(mode, 0o644, "node_exporter must be able to read it");

      await Deno.rename(h.repo.path, `${dir}/repo-gone`);
      const failed = await h.cli("apply", "--quiet", "--metrics-file", file);
      assert.equal(failed.code, 1, show(failed));
      assert.equal(await promtool(file), "");
      const after = await Deno.readTextFile(file);
      assert.match(after, /^hoist_last_run_result\{result="error"\} 1$/m);
      const success = (t: string) => /^hoist_last_success_timestamp_seconds (\S+)$/m.exec(t)?.[1];
      assert.ok(Number(success(text)) > 1.7e9, "the first run succeeded");
      assert.equal(success(after), success(text), "the failed run keeps the last success's time");
    });
  },
});

Deno.test({
  name: "[metrics] textfile is the default path; an unwritable one is a warning, not a failure",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      const config = await Deno.readTextFile(h.configPath);
      await Deno.writeTextFile(
        h.configPath,
        `${config}\n[metrics]\ntextfile = "${h.configPath}/hoist.prom"\n`,
      );
      const r = await h.cli("apply", "--quiet");
      assert.equal(r.code, 0, show(r));
      assert.match(
        r.err,
        /^warning: cannot write the metrics textfile .*config\.toml\/hoist\.prom/m,
      );
      const plan = await h.cli("plan", "--quiet");
      assert.doesNotMatch(plan.err, /metrics textfile/, "plan writes no metrics");
    });
  },
});
