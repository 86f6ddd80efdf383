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

Deno.test({
  name:
    "validate --config: the agent config's [services.<name>] urls join its host's services; a hostname config.yml claims too is an error naming both files",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const nginx = "Container:\n  Image: docker.io/library/nginx:1.27\n";
      await writeFiles(`${dir}/repo`, {
        "gitops/edge/config.yml":
          "services:\n  web:\n    urls: {app.example.org: web:8080}\n  api: {}\n",
        "gitops/edge/web/manifest.yml": nginx,
        "gitops/edge/api/manifest.yml": nginx,
        "gitops/other/config.yml": "services:\n  api: {}\n",
        "gitops/other/api/manifest.yml": nginx,
      });
      const config = `${dir}/config.toml`;
      const agent = (host: string, api: string) =>
        Deno.writeTextFile(
          config,
          `host = "${host}"\n[source]\nurl = "${dir}/repo"\n\n[services.api]\nurls = { ${api} }\n`,
        );
      const repo = `${dir}/repo`;

      await agent("edge", '"api.example.org" = "api:80"');
      const ok = await validate(dir, "--config", config, repo);
      assert.equal(ok.code, 0, ok.out + ok.err);

      await agent("edge", '"App.example.org" = "api:80"');
      const clash = await validate(dir, "--config", config, repo);
      assert.equal(clash.code, 1, clash.out + clash.err);
      assert.match(
        clash.out,
        new RegExp(
          `^error: gitops/edge/config\\.yml:3: app\\.example\\.org is claimed twice: by api \\(${config}:6\\) and by web \\(gitops/edge/config\\.yml:3\\)$`,
          "m",
        ),
      );
      // --host names the host the agent config is for: other's api, which nothing else claims
      const other = await validate(dir, "--config", config, repo, "--host", "other");
      assert.equal(other.code, 0, other.out + other.err);
      // without --config no agent config is read
      const alone = await validate(dir, repo);
      assert.equal(alone.code, 0, alone.out + alone.err);
      // an agent config of a host the checkout does not check: said, not applied
      await agent("gone", '"App.example.org" = "api:80"');
      const gone = await validate(dir, "--config", config, repo);
      assert.equal(gone.code, 0, gone.out + gone.err);
      assert.match(
        gone.out,
        /^warning: .*config\.toml: .* agent config of gone, which is not checked/m,
      );
      // the agent config is joined as a run joins it: a table naming no service is said too
      await Deno.writeTextFile(
        config,
        `host = "edge"\n[source]\nurl = "${dir}/repo"\n\n[services.ghost]\nuser = "app"\n`,
      );
      const ghost = await validate(dir, "--config", config, repo);
      assert.equal(ghost.code, 0, ghost.out + ghost.err);
      assert.match(
        ghost.out,
        /^warning: .*config\.toml: \[services\.ghost\] names no service of this host; its settings are unused$/m,
      );
      // a bad hostname is the agent config's error at its line
      await agent("edge", '"app example.org" = "api:80"');
      const bad = await validate(dir, "--config", config, repo);
      assert.equal(bad.code, 1, bad.out + bad.err);
      assert.match(
        bad.err + bad.out,
        new RegExp(`${config}:6: \\[services\\.api\\] urls: hostname "app example\\.org"`),
      );
    });
  },
});
