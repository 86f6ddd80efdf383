/**
 * `x-hoist: {restart_on_change: false}` through `hoist apply` (real git and generator, FAKE podman
 * and systemd): an edit updates the units and restarts nothing, and the plan says so; a project
 * without it restarts as usual.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EXAMPLE_HOST, makeHost, show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";

const ignore = skipWithoutQuadlet();
const root = `gitops/${EXAMPLE_HOST}`;

const compose = (tag: string, held: boolean) =>
  `${
    held ? "x-hoist:\n  restart_on_change: false\n" : ""
  }services:\n  web:\n    image: docker.io/library/busybox:${tag}\n`;

Deno.test({
  name:
    "x-hoist restart_on_change: false: an edited compose file rewrites the units, restarts no container, and plan says so; without it the container restarts",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, {
        [`${root}/config.yml`]: "services:\n  held: {}\n  plain: {}\n",
        [`${root}/held/compose.yaml`]: compose("1.36", true),
        [`${root}/plain/compose.yaml`]: compose("1.36", false),
      });
      const first = await h.cli("apply");
      assert.equal(first.code, 0, show(first));
      const before = h.fake.container("gitops-held-web.service");
      assert.ok(before);

      await h.repo.commit({
        [`${root}/held/compose.yaml`]: compose("1.37", true),
        [`${root}/plain/compose.yaml`]: compose("1.37", false),
      });
      h.fake.clear();
      const second = await h.cli("apply");
      assert.equal(second.code, 0, show(second));
      assert.match(
        second.out + second.err,
        /held: units updated to [0-9a-f]{16}, running containers not restarted \(x-hoist: \{restart_on_change: false\}\)/,
      );
      const restarted = h.fake.events.filter((e) => e.op === "restart").flatMap((e) => e.units);
      assert.ok(restarted.includes("gitops-plain-web.service"), JSON.stringify(h.fake.events));
      assert.ok(!restarted.includes("gitops-held-web.service"), JSON.stringify(h.fake.events));
      assert.equal(
        h.fake.container("gitops-held-web.service")?.id,
        before.id,
        "the same container runs",
      );
      const unit = (await h.quadletFiles())["gitops-held/gitops-held-web.container"] ?? "";
      assert.match(unit, /^Image=docker\.io\/library\/busybox:1\.37$/m);

      const third = await h.cli("plan", "--detailed-exitcode");
      assert.equal(third.code, 0, show(third));
      assert.match(third.out + third.err, /running containers not restarted/);
    });
  },
});

const twoServices = (webTag: string, comment = "") =>
  `${comment}services:\n  web:\n    image: docker.io/library/busybox:${webTag}\n    x-note: ${
    comment === "" ? 1 : 2
  }\n  api:\n    image: docker.io/library/busybox:1.36\n    environment: [A=1]\n`;

Deno.test({
  name:
    "one hash per compose service: an edit of web restarts only web's container, naming the key; a comment or x- extension restarts nothing",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, {
        [`${root}/config.yml`]: "services:\n  blog: {}\n",
        [`${root}/blog/compose.yaml`]: twoServices("1.36"),
      });
      const first = await h.cli("apply");
      assert.equal(first.code, 0, show(first));
      const api = h.fake.container("gitops-blog-api.service");
      const web = h.fake.container("gitops-blog-web.service");
      assert.ok(api && web);
      assert.match(api.labels["gitops-unit-hash"] ?? "", /^[0-9a-f]{16}$/);

      await h.repo.commit({ [`${root}/blog/compose.yaml`]: twoServices("1.37") });
      h.fake.clear();
      const second = await h.cli("apply");
      assert.equal(second.code, 0, show(second));
      assert.match(
        second.out,
        /restart gitops-blog-web\.service .*content changed: compose service web \(compose\.yaml services\.web\.image\)/,
      );
      const restarted = h.fake.events.filter((e) => e.op === "restart").flatMap((e) => e.units);
      assert.deepEqual(restarted, ["gitops-blog-web.service"], JSON.stringify(h.fake.events));
      assert.equal(h.fake.container("gitops-blog-api.service")?.id, api.id, "api keeps running");
      assert.notEqual(h.fake.container("gitops-blog-web.service")?.id, web.id);

      await h.repo.commit({ [`${root}/blog/compose.yaml`]: twoServices("1.37", "# edited\n") });
      const third = await h.cli("plan", "--detailed-exitcode");
      assert.equal(third.code, 0, show(third));
    });
  },
});
