/**
 * Rendered units against the real quadlet generator (`quadlet -dryrun`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import { createQuadlet } from "../../lib/adapters/quadlet.ts";
import { readDirTree } from "../../lib/adapters/read_dir_tree.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { readDesired } from "../../lib/desired/read_desired.ts";
import { type DesiredState, desiredUnits } from "../../lib/desired/types.ts";
import {
  EXAMPLE_HOST,
  EXAMPLE_REPO,
  memTree,
  QUADLET_BIN,
  skipWithoutQuadlet,
  withTempDir,
} from "./helpers.ts";

const ignore = skipWithoutQuadlet();

const validator = (mode: "user" | "system" = "user") =>
  createQuadlet(createRunner(), createFs(), mode, QUADLET_BIN);

const unitsOf = (desired: DesiredState) =>
  new Map(
    desired.services.flatMap((s) => desiredUnits(s).map((u) => [u.path, u.content] as const)),
  );

const read = (files: Record<string, string>, mode: "user" | "system" = "user") =>
  readDesired(memTree(files), {
    path: "gitops",
    host: "h",
    prefix: "gitops-",
    mode,
    stateDir: "/var/lib/hoist",
  });

const services = (list: Record<string, Record<string, string>>) => {
  const files: Record<string, string> = {
    "gitops/h/config.yml": `services:\n${Object.keys(list).map((s) => `  ${s}: {}\n`).join("")}`,
  };
  for (const [svc, svcFiles] of Object.entries(list)) {
    for (const [path, text] of Object.entries(svcFiles)) files[`gitops/h/${svc}/${path}`] = text;
  }
  return files;
};

const IMAGE = "docker.io/library/busybox:1.36";

for (const mode of ["user", "system"] as const) {
  Deno.test({
    name: `every unit rendered from examples/homelab passes the real generator (${mode} mode)`,
    ignore,
    async fn() {
      const desired = readDesired(await readDirTree(EXAMPLE_REPO), {
        path: "gitops",
        host: EXAMPLE_HOST,
        prefix: "gitops-",
        mode,
        stateDir: "/var/lib/hoist",
      });
      const problems = [...desired.problems, ...desired.services.flatMap((s) => s.problems)];
      assert.deepEqual(problems.filter((p) => p.level === "error"), []);
      const units = unitsOf(desired);
      assert.ok(units.size >= 5, `expected the example's units, got ${[...units.keys()]}`);
      assert.deepEqual(await validator(mode).validate(units, []), new Map());
    },
  });
}

Deno.test({
  name: "a manifest with a key quadlet does not know is rejected with the generator's message",
  ignore,
  async fn() {
    const desired = read(services({
      bad: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n  Foo: bar\n` },
      good: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n` },
    }));
    const errors = await validator().validate(unitsOf(desired), []);
    assert.deepEqual([...errors.keys()], ["gitops-bad.container"]);
    const message = errors.get("gitops-bad.container")!;
    assert.match(message, /unsupported key 'Foo'/);
    assert.match(message, /Container/);
    assert.doesNotMatch(message, /hoist-validate-/, "the temp folder is not part of the message");
  },
});

Deno.test({
  name: "references to units of another file resolve: Network=x.network, Volume=y.volume",
  ignore,
  async fn() {
    const desired = read(services({
      net: { "x.network": "[Network]\nSubnet=10.89.50.0/24\n" },
      app: {
        "manifest.yml":
          `Container:\n  Image: ${IMAGE}\n  Network: x.network\n  Volume: y.volume:/data\n`,
        "y.volume": "[Volume]\n",
      },
      raw: { "raw.container": `[Container]\nImage=${IMAGE}\nNetwork=x.network\n` },
    }));
    const units = unitsOf(desired);
    assert.ok(units.has("gitops-net/x.network"), [...units.keys()].join(", "));
    assert.deepEqual(await validator().validate(units, []), new Map());
  },
});

Deno.test({
  name: "a reference to a unit that exists nowhere is rejected, one in the live folder resolves",
  ignore,
  async fn() {
    await withTempDir(async (live) => {
      const desired = read(services({
        app: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n  Network: shared.network\n` },
      }));
      const units = unitsOf(desired);
      const missing = await validator().validate(units, [live]);
      assert.match(missing.get("gitops-app.container") ?? "", /shared\.network/);
      await Deno.writeTextFile(`${live}/shared.network`, "[Network]\n");
      assert.deepEqual(await validator().validate(units, [live]), new Map());
    });
  },
});

Deno.test({
  name: "only hoist's own units are judged: a broken file in the live folder is not reported",
  ignore,
  async fn() {
    await withTempDir(async (live) => {
      await Deno.writeTextFile(`${live}/theirs.container`, `[Container]\nImage=${IMAGE}\nBar=1\n`);
      const desired = read(
        services({ app: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n` } }),
      );
      assert.deepEqual(await validator().validate(unitsOf(desired), [live]), new Map());
    });
  },
});
