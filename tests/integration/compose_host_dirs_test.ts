/**
 * `[secrets] host_dirs` through `hoist apply` (real git and generator, fake podman and systemd):
 * seed 001's untracked `secrets/` folder, reached from a compose file as `../../secrets/<svc>.env`,
 * is read from a host folder; its values reach the service's copy 0600 and are never printed.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  EXAMPLE_HOST,
  makeHost,
  show,
  skipWithoutQuadlet,
  withTempDir,
  writeConfig,
} from "./helpers.ts";

const ignore = skipWithoutQuadlet();

Deno.test({
  name:
    "hoist apply reads a ../../secrets/<svc>.env env_file from [secrets] host_dirs: a 0600 copy with compose's values, never printed, and an edit on the host is a change",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const root = `gitops/${EXAMPLE_HOST}`;
      const h = await makeHost(dir, {
        [`${root}/config.yml`]: "services:\n  blog: {}\n",
        [`${root}/blog/compose.yaml`]: `services:
  web:
    image: docker.io/library/caddy:2
    env_file: [../../secrets/blog.env]
`,
      });
      const secrets = `${dir}/host-secrets`;
      await Deno.mkdir(secrets);
      await Deno.writeTextFile(`${secrets}/blog.env`, "TOKEN='s3cr3t-one'\n");
      await writeConfig(
        dir,
        h.repo.path,
        EXAMPLE_HOST,
        `[secrets]\nhost_dirs = { secrets = "${secrets}/" }\n`,
      );

      const first = await h.cli("apply");
      assert.equal(first.code, 0, show(first));
      const web = (await h.quadletFiles())["gitops-blog/gitops-blog-web.container"] ?? "";
      const file = /^EnvironmentFile=(\S+)$/m.exec(web)?.[1];
      assert.ok(file !== undefined && file.endsWith("/.hoist-env/host/secrets/blog.env"), web);
      assert.equal(await Deno.readTextFile(file), "TOKEN=s3cr3t-one\n");
      assert.equal(((await Deno.stat(file)).mode ?? 0) & 0o777, 0o600);

      const same = await h.cli("plan", "--detailed-exitcode");
      assert.equal(same.code, 0, show(same));

      await Deno.writeTextFile(`${secrets}/blog.env`, "TOKEN='s3cr3t-two'\n");
      const changed = await h.cli("plan", "--detailed-exitcode");
      assert.equal(changed.code, 2, show(changed));
      assert.match(changed.out, /blog/);
      for (const run of [first, same, changed]) {
        assert.doesNotMatch(run.out + run.err, /s3cr3t/);
      }
    });
  },
});
