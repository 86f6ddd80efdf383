/**
 * A compose service folder through `hoist apply`, with a real git repository, the real quadlet
 * generator and the FAKE podman + systemd (tests/support/fake_host.ts): the units land under
 * `<prefix><service>/`, and the next apply has nothing to do.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EXAMPLE_HOST, makeHost, skipWithoutQuadlet, withTempDir } from "./helpers.ts";

const ignore = skipWithoutQuadlet();

Deno.test({
  name:
    "hoist apply deploys a compose folder as quadlets under gitops-<service>/, and a second apply changes nothing",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const root = `gitops/${EXAMPLE_HOST}`;
      const h = await makeHost(dir, {
        [`${root}/config.yml`]: "services:\n  blog: {}\n",
        [`${root}/blog/compose.yaml`]: `services:
  web:
    image: docker.io/library/caddy:2
    depends_on: [cache]
    volumes: ["./Caddyfile:/etc/caddy/Caddyfile:ro"]
  cache:
    image: docker.io/library/redis:7
`,
        [`${root}/blog/Caddyfile`]: ":80 { respond hi }\n",
      });
      const first = await h.cli("apply");
      assert.equal(first.code, 0, first.err + first.out);
      const files = await h.quadletFiles();
      assert.deepEqual(Object.keys(files).sort(), [
        "gitops-blog/gitops-blog-cache.container",
        "gitops-blog/gitops-blog-web.container",
        "gitops-blog/gitops-blog_default.network",
      ]);
      const web = files["gitops-blog/gitops-blog-web.container"] ?? "";
      assert.match(web, /^Requires=gitops-blog-cache\.service$/m);
      assert.match(web, /^Label=gitops-service=blog$/m);
      const copy = /^Volume=(\S+)\/Caddyfile:\/etc\/caddy\/Caddyfile:ro$/m.exec(web)?.[1];
      assert.ok(copy, web);
      assert.equal(await Deno.readTextFile(`${copy}/Caddyfile`), ":80 { respond hi }\n");
      const second = await h.cli("plan", "--detailed-exitcode");
      assert.equal(second.code, 0, second.out + second.err);
    });
  },
});
