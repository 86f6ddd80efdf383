/**
 * A service's own scripts through `hoist apply` (real git, bash and generator, FAKE podman and
 * systemd): seed 003's `setup.sh`, run once per new hash of its service before its units start,
 * in its immutable copy; and `[services.<name>]` pre/post from the agent config, on every apply.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EXAMPLE_HOST, git, makeHost, show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";

const ignore = skipWithoutQuadlet();

const COMPOSE = "services:\n  web:\n    image: docker.io/library/nginx:1.27\n";

/** A host whose source is one orphan branch per service, each with the files given. */
async function branchHost(
  dir: string,
  branches: Record<string, Record<string, string>>,
  extra = "",
) {
  const h = await makeHost(dir, { "README.md": "landing page\n" });
  for (const [branch, files] of Object.entries(branches)) {
    await git(h.repo.path, "checkout", "--quiet", "--orphan", branch);
    await git(h.repo.path, "rm", "-rfq", ".");
    await h.repo.commit(files);
  }
  await Deno.writeTextFile(
    h.configPath,
    `host = "${EXAMPLE_HOST}"\nmode = "user"\nquadlet_dir = "${h.quadletDir}"\nstate_dir = "${h.stateDir}"\n${extra}\n` +
      `[source]\nurl = "${h.repo.path}"\nbranches = [${
        Object.keys(branches).map((b) => `"${b}"`).join(", ")
      }]\n\n` +
      `[trust]\nrequire_signed = false\n`,
  );
  return h;
}

const lines = async (path: string) =>
  (await Deno.readTextFile(path).catch(() => "")).split("\n").filter((l) => l !== "");

Deno.test({
  name:
    "setup.sh runs once per new hash of its service, in its copy, before its units start; an unchanged apply does not run it again, an edit does",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const log = `${dir}/setup.log`;
      const setup = `echo "$HOIST_PHASE $HOIST_SERVICE $PWD $(cat marker)" >> ${log}\n`;
      const h = await branchHost(dir, {
        nginx: { "compose.yml": COMPOSE, ".env": "A=1\n", "setup.sh": setup, marker: "one" },
      });
      const first = await h.cli("apply");
      assert.equal(first.code, 0, show(first));
      const runs = await lines(log);
      assert.equal(runs.length, 1, runs.join("\n"));
      assert.match(
        runs[0] ?? "",
        new RegExp(`^setup nginx ${h.stateDir}/services/nginx/[0-9a-f]{16} one$`),
      );
      const cmds = h.fake.commands();
      assert.ok(cmds.indexOf("bash") < cmds.lastIndexOf("systemctl start"), cmds.join("\n"));
      assert.match(first.out, /run setup\.script/);

      const again = await h.cli("apply");
      assert.equal(again.code, 0, show(again));
      assert.equal((await lines(log)).length, 1, "an unchanged hash does not run setup.sh again");

      await h.repo.commit({ marker: "two" });
      const edited = await h.cli("apply");
      assert.equal(edited.code, 0, show(edited));
      assert.match((await lines(log))[1] ?? "", / two$/);
    });
  },
});

Deno.test({
  name:
    "a failing setup.sh blocks only its service's start, and runs again on the next apply; the other service deploys",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const flag = `${dir}/fail`;
      await Deno.writeTextFile(flag, "");
      const h = await branchHost(dir, {
        bad: {
          "compose.yml": COMPOSE,
          "setup.sh": `if [ -e ${flag} ]; then echo no; exit 3; fi\n`,
        },
        good: { "compose.yml": COMPOSE },
      });
      const first = await h.cli("apply");
      assert.equal(first.code, 1, show(first));
      assert.match(first.out + first.err, /setup\.script exited 3/);
      assert.equal(h.fake.unit("gitops-good-web.service").active, "active");
      assert.notEqual(h.fake.unit("gitops-bad-web.service").active, "active");
      await Deno.remove(flag);
      const second = await h.cli("apply");
      assert.equal(second.code, 0, show(second));
      assert.match(second.out, /run setup\.script/);
      assert.equal(h.fake.unit("gitops-bad-web.service").active, "active");
    });
  },
});

Deno.test({
  name:
    "[services.<name>] pre and post from the agent config run on every apply in the service's copy, pre before its units start and post after",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const log = `${dir}/scripts.log`;
      const extra =
        `[services.nginx]\npre = "echo pre $HOIST_SERVICE >> ${log}"\npost = "echo post $HOIST_SERVICE >> ${log}"\n`;
      const h = await branchHost(dir, { nginx: { "compose.yml": COMPOSE } }, extra);
      const first = await h.cli("apply");
      assert.equal(first.code, 0, show(first));
      assert.deepEqual(await lines(log), ["pre nginx", "post nginx"]);
      const cmds = h.fake.commands();
      const start = cmds.lastIndexOf("systemctl start");
      assert.ok(cmds.indexOf("bash") < start && cmds.lastIndexOf("bash") > start, cmds.join("\n"));
      const again = await h.cli("apply");
      assert.equal(again.code, 0, show(again));
      assert.deepEqual(await lines(log), ["pre nginx", "post nginx", "pre nginx", "post nginx"]);
    });
  },
});
