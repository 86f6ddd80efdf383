/**
 * `[compose.policy]` through `hoist apply` (real git and generator, FAKE podman and systemd): a
 * compose project that asks for what the host refuses is blocked, naming file, line and policy
 * key; the other services deploy.
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
    "hoist apply with [compose.policy]: the project asking for privileged and a bind outside bind_roots is blocked with file:line and the key, the other deploys",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const root = `gitops/${EXAMPLE_HOST}`;
      const h = await makeHost(dir, {
        [`${root}/config.yml`]: "services:\n  good: {}\n  bad: {}\n",
        [`${root}/good/compose.yaml`]:
          "services:\n  web:\n    image: docker.io/library/busybox:1.36\n    volumes: [/srv/good:/data]\n",
        [`${root}/bad/compose.yaml`]:
          "services:\n  web:\n    image: docker.io/library/busybox:1.36\n    privileged: true\n    volumes: [/etc:/host-etc]\n",
      });
      await writeConfig(
        dir,
        h.repo.path,
        EXAMPLE_HOST,
        '[compose.policy]\nprivileged = false\nbind_roots = ["/srv"]\n',
      );
      const apply = await h.cli("apply");
      assert.equal(apply.code, 1, show(apply));
      const out = apply.out + apply.err;
      assert.match(
        out,
        new RegExp(
          `${root}/bad/compose\\.yaml:4: services\\.web\\.privileged: privileged: true is refused by \\[compose\\.policy\\] privileged = false`,
        ),
      );
      assert.match(
        out,
        new RegExp(
          `${root}/bad/compose\\.yaml:5: services\\.web\\.volumes\\[0\\]: bind source /etc is outside \\[compose\\.policy\\] bind_roots \\(/srv\\)`,
        ),
      );
      const files = Object.keys(await h.quadletFiles()).sort();
      assert.deepEqual(files, [
        "gitops-good/gitops-good-web.container",
        "gitops-good/gitops-good_default.network",
      ]);
      const validate = await h.cli("plan");
      assert.match(
        validate.out + validate.err,
        /refused by \[compose\.policy\] privileged = false/,
      );
    });
  },
});

Deno.test({
  name:
    "hoist plan with [compose] ignore: a key hoist does not map is a warning in the plan for every project of the host, and the project deploys",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const root = `gitops/${EXAMPLE_HOST}`;
      const h = await makeHost(dir, {
        [`${root}/config.yml`]: "services:\n  app: {}\n",
        [`${root}/app/compose.yaml`]:
          "services:\n  web:\n    image: docker.io/library/busybox:1.36\n    deploy:\n      replicas: 2\n",
      });
      const blocked = await h.cli("plan");
      assert.equal(blocked.code, 1, show(blocked));
      assert.match(
        blocked.out + blocked.err,
        /services\.web\.deploy: not supported by quadlets; remove it/,
      );
      await writeConfig(dir, h.repo.path, EXAMPLE_HOST, '[compose]\nignore = ["deploy"]\n');
      const plan = await h.cli("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(
        plan.out + plan.err,
        new RegExp(
          `warning: ${root}/app/compose\\.yaml:4: services\\.web\\.deploy: not supported by quadlets; ignored \\(\\[compose\\] ignore\\)`,
        ),
      );
      assert.match(plan.out, /write gitops-app\/gitops-app-web\.container/);
    });
  },
});
