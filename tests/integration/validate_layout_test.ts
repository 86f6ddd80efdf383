/**
 * `hoist validate --layout services` on seed 001's layout (service folders with no host level):
 * a checkout of the real compose fixtures is checked service by service with the real generator,
 * instead of failing on a config.yml that layout never has.
 */
import assert from "node:assert/strict";
import { ROOT, skipWithoutQuadlet, withTempDir, writeFiles } from "./helpers.ts";
import { runCli } from "../../lib/cli/program.ts";
import { buildDeps } from "../../lib/deps.ts";
import { captureIo } from "./helpers.ts";

const ignore = skipWithoutQuadlet();

async function validate(home: string, ...argv: string[]) {
  const capture = captureIo(home);
  const code = await runCli(["validate", ...argv], capture.io, (c) => buildDeps(c));
  return { code, ...capture.take() };
}

Deno.test({
  name:
    "validate --layout services: a clean seed-001 checkout passes; a broken service is named with file:line",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      await writeFiles(`${dir}/repo`, {
        "services/web/podman-compose.yml":
          "services:\n  web:\n    image: docker.io/library/nginx:1.27\n    ports: ['127.0.0.1:8080:80']\n",
        "services/api/compose.yaml": "services:\n  api:\n    image: docker.io/library/redis:7\n",
      });
      const ok = await validate(dir, `${dir}/repo`, "--layout", "services", "--json");
      assert.equal(ok.code, 0, ok.out + ok.err);
      const json = JSON.parse(ok.out) as { hosts: string[]; problems: { level: string }[] };
      assert.deepEqual(json.hosts, ["validate"]);
      assert.deepEqual(json.problems.filter((p) => p.level === "error"), []);

      await writeFiles(`${dir}/repo`, {
        "services/bad/compose.yaml":
          "services:\n  bad:\n    image: docker.io/library/busybox\n    deploy:\n      replicas: 2\n",
      });
      const bad = await validate(dir, `${dir}/repo`, "--layout", "services");
      assert.equal(bad.code, 1, bad.out + bad.err);
      assert.match(
        bad.out,
        /^error: services\/bad\/compose\.yaml:4: services\.bad\.deploy: not supported/m,
      );
      assert.doesNotMatch(bad.out + bad.err, /config\.yml/);

      const none = await validate(dir, `${dir}/repo`, "--layout", "services", "--path", "nope");
      assert.equal(none.code, 1);
      assert.match(none.out, /^error: .*\/repo: no folder nope\/ /m);
    });
  },
});

Deno.test({
  name:
    "validate --layout services reads the real compose fixtures: each service judged on its own",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const fixtures = `${ROOT}/tests/fixtures/compose`;
      for (const e of Deno.readDirSync(fixtures)) {
        if (!e.isDirectory) continue;
        await Deno.mkdir(`${dir}/repo/services`, { recursive: true });
        const cp = await new Deno.Command("cp", {
          args: ["-r", `${fixtures}/${e.name}`, `${dir}/repo/services/${e.name}`],
        }).output();
        assert.ok(cp.success);
      }
      const r = await validate(dir, `${dir}/repo`, "--layout", "services", "--json");
      const json = JSON.parse(r.out) as {
        problems: { level: string; file: string | null; message: string }[];
      };
      const errors = json.problems.filter((p) => p.level === "error");
      for (const e of errors) {
        assert.match(
          e.file ?? "",
          /^services\/[^/]+\//,
          `an error names its file: ${JSON.stringify(e)}`,
        );
      }
      assert.ok(!json.problems.some((p) => /config\.yml does not exist/.test(p.message)), r.out);
      const failing = new Set(errors.map((e) => e.file?.split("/")[1]));
      assert.ok(failing.size < 10, `most fixtures pass: ${[...failing].join(", ")}`);
    });
  },
});
