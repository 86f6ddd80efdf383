/**
 * The real-world compose files of tests/fixtures/compose/ (published by the gitops-deploy-server
 * seed's example repository, unchanged) converted to quadlets and run through the real generator
 * (`quadlet -dryrun`), as `hoist convert` prints them and as a host folder deploys them.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import { createQuadlet } from "../../lib/adapters/quadlet.ts";
import { readDirTree } from "../../lib/adapters/read_dir_tree.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { hostPaths } from "../../lib/desired/compose/compose_paths.ts";
import { convertCompose } from "../../lib/desired/compose/convert_compose.ts";
import { readDesired } from "../../lib/desired/read_desired.ts";
import { desiredUnits, type RepoEntry, type RepoTree } from "../../lib/desired/types.ts";
import { formatProblem } from "../../lib/errors.ts";
import { QUADLET_BIN, ROOT, skipWithoutQuadlet } from "./helpers.ts";

const ignore = skipWithoutQuadlet();
const FIXTURES = `${ROOT}/tests/fixtures/compose`;
/** Every project folder of the fixtures, each holding podman-compose.yml. */
const PROJECTS = [
  "authentik",
  "gitops-deploy-server",
  "immich",
  "isso",
  "oxicloud",
  "paperless",
  "shonk-blog",
  "trilium",
  "twoslr",
  "vaultwarden",
];

const generator = (mode: "user" | "system") =>
  createQuadlet(createRunner(), createFs(), mode, QUADLET_BIN);

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

Deno.test({
  name: "the fixture folders are exactly the projects this test converts",
  async fn() {
    const found: string[] = [];
    for await (const e of Deno.readDir(FIXTURES)) if (e.isDirectory) found.push(e.name);
    assert.deepEqual(found.sort(), PROJECTS);
  },
});

for (const mode of ["user", "system"] as const) {
  Deno.test({
    name:
      `every real compose file converts as hoist convert does, and every unit passes the real generator (${mode} mode)`,
    ignore,
    async fn() {
      const units = new Map<string, string>();
      for (const project of PROJECTS) {
        const dir = `${FIXTURES}/${project}`;
        const file = `${dir}/podman-compose.yml`;
        const dotEnvText = await readIfExists(`${dir}/.env`);
        // No fixture needs a variable that its .env does not set: none is supplied.
        const converted = convertCompose({
          file,
          text: await Deno.readTextFile(file),
          project,
          prefix: "gitops-",
          mode,
          vars: () => undefined,
          paths: hostPaths(dir),
          ...(dotEnvText === undefined
            ? {}
            : { dotEnv: { file: `${dir}/.env`, text: dotEnvText } }),
        });
        assert.deepEqual(converted.problems.map(formatProblem), [], project);
        assert.ok(converted.value, project);
        for (const u of converted.value.units) {
          assert.ok(!units.has(u.fileName), `${u.fileName} is produced twice`);
          units.set(`${project}/${u.fileName}`, u.text);
        }
      }
      assert.ok(units.size >= 35, `expected every project's units, got ${units.size}`);
      const run = await generator(mode).generate(units, []);
      assert.deepEqual(run.errors, new Map());
      const missing = [...units.keys()].filter((p) => !run.generated.has(p));
      assert.deepEqual(missing, [], "every unit generates a service");
    },
  });
}

/** The fixtures as one host folder `gitops/h/<project>/` with a config.yml listing them all. */
async function hostTree(): Promise<RepoTree> {
  const fixtures = await readDirTree(FIXTURES);
  const entries = new Map<string, RepoEntry>([["gitops", { kind: "dir" }], ["gitops/h", {
    kind: "dir",
  }]]);
  for (const [path, entry] of fixtures.entries) entries.set(`gitops/h/${path}`, entry);
  const config = `services:\n${PROJECTS.map((p) => `  ${p}: {}\n`).join("")}`;
  entries.set("gitops/h/config.yml", { kind: "file", data: new TextEncoder().encode(config) });
  return { revision: "fixtures", entries };
}

Deno.test({
  name:
    "as service folders of a host, the real compose files deploy or are blocked with the reason (../ env files, a bind of a file not in the repository)",
  ignore,
  async fn() {
    const desired = readDesired(await hostTree(), {
      path: "gitops",
      host: "h",
      prefix: "gitops-",
      mode: "user",
      stateDir: "/var/lib/hoist",
    });
    const outside = (svc: string, line: number, rel: string) =>
      `error: gitops/h/${svc}/podman-compose.yml:${line}: services.${rel} is outside the service folder`;
    const blocked = Object.fromEntries(
      desired.services.filter((s) => s.status === "blocked").map((s) => [
        s.name,
        s.problems.map((p) => formatProblem(p).split("\n")[0]),
      ]),
    );
    assert.deepEqual(blocked, {
      authentik: [
        outside("authentik", 5, "postgresql.env_file[1]: ../../secrets/authentik.env"),
        outside("authentik", 28, "server.env_file[1]: ../../secrets/authentik.env"),
        outside("authentik", 48, "worker.env_file[1]: ../../secrets/authentik.env"),
      ],
      "gitops-deploy-server": [
        outside(
          "gitops-deploy-server",
          7,
          "gitops-deploy-server.env_file[0]: ../../secrets/gitops-deploy-server.env",
        ),
      ],
      isso: [
        "error: gitops/h/isso/podman-compose.yml:11: services.isso.volumes[1]: ./comments.db does not exist in gitops/h/isso/",
      ],
      oxicloud: [
        outside("oxicloud", 6, "postgres.env_file[0]: ../../secrets/oxicloud.env"),
        "error: gitops/h/oxicloud/podman-compose.yml:27: services.oxicloud.build.dockerfile: Dockerfile does not exist in gitops/h/oxicloud/",
        outside("oxicloud", 37, "oxicloud.env_file[1]: ../../secrets/authentik.env"),
      ],
      paperless: [
        outside("paperless", 40, "webserver.env_file[1]: ../../secrets/paperless.env"),
      ],
      trilium: [
        outside("trilium", 16, "trilium.env_file[0]: ../../secrets/trilium.env"),
      ],
      twoslr: [
        outside("twoslr", 7, "twoslr.env_file[0]: ../../secrets/twoslr.env"),
      ],
    });
    const ready = desired.services.filter((s) => s.status === "ready");
    assert.deepEqual(ready.map((s) => s.name), ["immich", "shonk-blog", "vaultwarden"]);
    const units = new Map(
      ready.flatMap((s) => desiredUnits(s).map((u) => [u.path, u.content] as const)),
    );
    assert.deepEqual([...units.keys()].sort(), [
      "gitops-immich/gitops-immich_default.network",
      "gitops-immich/gitops-immich_machine_learning.container",
      "gitops-immich/gitops-immich_model-cache.volume",
      "gitops-immich/gitops-immich_postgres.container",
      "gitops-immich/gitops-immich_redis.container",
      "gitops-immich/gitops-immich_server.container",
      "gitops-shonk-blog/gitops-shonk-blog_default.network",
      "gitops-shonk-blog/gitops-shonkblog.container",
      "gitops-vaultwarden/gitops-vaultwarden.container",
      "gitops-vaultwarden/gitops-vaultwarden_default.network",
    ]);
    const run = await generator("user").generate(units, []);
    assert.deepEqual(run.errors, new Map());
    assert.deepEqual([...units.keys()].filter((p) => !run.generated.has(p)), []);
  },
});

Deno.test({
  name:
    "with [secrets] host_dirs naming the untracked secrets/ folder, the real compose files that reach it as ../../secrets/<svc>.env deploy, reading it from the host",
  ignore,
  async fn() {
    const dir = "/etc/hoist/secrets";
    const names = [
      "authentik",
      "gitops-deploy-server",
      "oxicloud",
      "paperless",
      "trilium",
      "twoslr",
    ];
    const hostFiles = new Map(names.map((n) => [`${dir}/${n}.env`, `SECRET_OF=${n}\n`]));
    const desired = readDesired(await hostTree(), {
      path: "gitops",
      host: "h",
      prefix: "gitops-",
      mode: "user",
      stateDir: "/var/lib/hoist",
      secrets: {
        decrypted: new Map(),
        vars: new Map(),
        key: "k",
        hostDirs: new Map([["secrets", dir]]),
        hostFiles,
      },
    });
    const blocked = desired.services.filter((s) => s.status === "blocked").map((s) => s.name);
    assert.deepEqual(blocked, ["isso", "oxicloud"]); // a missing comments.db and Dockerfile
    const ready = desired.services.flatMap((s) => s.status === "ready" ? [s] : []);
    const twoslr = ready.find((s) => s.name === "twoslr");
    assert.ok(twoslr);
    const copy = twoslr.files.find((f) => f.path === ".hoist-env/host/secrets/twoslr.env");
    assert.equal(new TextDecoder().decode(copy?.data), "SECRET_OF=twoslr\n");
    assert.equal(copy?.secret, true);
    assert.match(
      desiredUnits(twoslr).find((u) => u.path.endsWith(".container"))?.content ?? "",
      new RegExp(
        `^EnvironmentFile=/var/lib/hoist/services/twoslr/${twoslr.hash}/\\.hoist-env/host/secrets/twoslr\\.env$`,
        "m",
      ),
    );
    const units = new Map(
      ready.flatMap((s) => desiredUnits(s).map((u) => [u.path, u.content] as const)),
    );
    const run = await generator("user").generate(units, []);
    assert.deepEqual(run.errors, new Map());
    assert.deepEqual([...units.keys()].filter((p) => !run.generated.has(p)), []);
  },
});
