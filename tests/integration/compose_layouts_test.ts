/**
 * The seed layouts through `hoist apply` with their compose files unchanged (real git and
 * generator, FAKE podman and systemd): seed 001's `services/<svc>/podman-compose.yml` with no host
 * level (`layout = "services"`) and its untracked `secrets/` folder from `[secrets] host_dirs`,
 * seed 002's one repository per service (`service = "<name>"`), seed 003's orphan branch holding
 * `compose.yml`, `.env` and `setup.sh`.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  EXAMPLE_HOST,
  git,
  makeHost,
  makeRepo,
  ROOT,
  show,
  skipWithoutQuadlet,
  withTempDir,
} from "./helpers.ts";

const ignore = skipWithoutQuadlet();
const FIXTURES = `${ROOT}/tests/fixtures/compose`;

const fixture = (project: string) => Deno.readTextFile(`${FIXTURES}/${project}/podman-compose.yml`);

/** The agent config of a test host with `sources` (TOML) and anything `extra`. */
function config(h: { quadletDir: string; stateDir: string }, sources: string, extra = ""): string {
  return `host = "${EXAMPLE_HOST}"\nmode = "user"\nquadlet_dir = "${h.quadletDir}"\nstate_dir = "${h.stateDir}"\n\n` +
    `${extra}\n${sources}\n[trust]\nrequire_signed = false\n`;
}

Deno.test({
  name:
    'seed 001: layout = "services" deploys every service folder of services/ (podman-compose.yml unchanged, ../../secrets/<svc>.env from host_dirs), and services = [...] selects',
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, {
        "README.md": "environment repository\n",
        "services/twoslr/podman-compose.yml": await fixture("twoslr"),
        "services/vaultwarden/podman-compose.yml": await fixture("vaultwarden"),
        "services/notes/README.md": "not a service: no compose file, manifest or quadlet\n",
        "deploy.sh": "#!/bin/sh\n",
      });
      const secrets = `${dir}/secrets`;
      await Deno.mkdir(secrets);
      await Deno.writeTextFile(`${secrets}/twoslr.env`, 'DB_PASSWORD="p@ss$$word"\n');
      const source = (select = "") =>
        `[source]\nurl = "${h.repo.path}"\nlayout = "services"\npath = "services"\n${select}`;
      const extra = `[secrets]\nhost_dirs = { secrets = "${secrets}" }\n`;
      await Deno.writeTextFile(h.configPath, config(h, source(), extra));

      const apply = await h.cli("apply");
      assert.equal(apply.code, 0, show(apply));
      const files = await h.quadletFiles();
      assert.deepEqual(Object.keys(files).sort(), [
        "gitops-twoslr/gitops-twoslr-postgres.container",
        "gitops-twoslr/gitops-twoslr.container",
        "gitops-twoslr/gitops-twoslr_default.network",
        "gitops-twoslr/gitops-twoslr_postgres_data.volume",
        "gitops-vaultwarden/gitops-vaultwarden.container",
        "gitops-vaultwarden/gitops-vaultwarden_default.network",
      ]);
      const twoslr = files["gitops-twoslr/gitops-twoslr.container"] ?? "";
      const envFile = /^EnvironmentFile=(\S+)$/m.exec(twoslr)?.[1] ?? "";
      assert.equal(await Deno.readTextFile(envFile), "DB_PASSWORD=p@ss$word\n");
      assert.doesNotMatch(apply.out + apply.err, /p@ss/);
      const again = await h.cli("plan", "--detailed-exitcode");
      assert.equal(again.code, 0, show(again));

      await Deno.writeTextFile(h.configPath, config(h, source('services = ["twoslr"]\n'), extra));
      const selected = await h.cli("apply");
      assert.equal(selected.code, 0, show(selected));
      assert.deepEqual(
        Object.keys(await h.quadletFiles()).filter((p) => p.startsWith("gitops-vaultwarden/")),
        [],
        "a service no longer selected is removed",
      );
    });
  },
});

Deno.test({
  name:
    "seed 001: a service named in services = [...] without a folder, and a source path that does not exist, are errors naming the agent config",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, {
        "services/twoslr/compose.yaml": "services:\n  a:\n    image: busybox\n",
      });
      const source = (path: string, select: string) =>
        `[source]\nurl = "${h.repo.path}"\nlayout = "services"\npath = "${path}"\n${select}`;
      await Deno.writeTextFile(
        h.configPath,
        config(h, source("services", 'services = ["nope"]\n')),
      );
      const missing = await h.cli("plan");
      assert.match(
        missing.out + missing.err,
        /service nope is listed but services\/nope\/ does not exist/,
      );
      assert.match(missing.out + missing.err, new RegExp(`remove nope from ${h.configPath}`));
      await Deno.writeTextFile(h.configPath, config(h, source("apps", "")));
      const noFolder = await h.cli("plan");
      assert.equal(noFolder.code, 1, show(noFolder));
      assert.match(noFolder.out + noFolder.err, /no folder apps\/ at [0-9a-f]+/);
    });
  },
});

Deno.test({
  name:
    'seed 002: [[sources]] with service = "<name>" deploys a repository whose root is that service (compose.yaml at the root), beside another source',
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, {
        "gitops/demo-host/config.yml": "services:\n  web: {}\n",
        "gitops/demo-host/web/manifest.yml":
          "Container:\n  Image: docker.io/library/busybox:1.36\n",
      });
      const pgo = await makeRepo(`${dir}/pgo`, {
        "compose.yaml":
          "services:\n  pgo:\n    image: docker.io/library/busybox:1.36\n    env_file: .env\n",
        ".env": "MODE='prod'\n",
        "ssh/id.pub": "ssh-ed25519 AAAA test\n",
      });
      const sources = `[[sources]]\nname = "infra"\nurl = "${h.repo.path}"\n\n` +
        `[[sources]]\nname = "pgo"\nurl = "${pgo.path}"\nservice = "pgo"\n`;
      await Deno.writeTextFile(h.configPath, config(h, sources));
      const apply = await h.cli("apply");
      assert.equal(apply.code, 0, show(apply));
      const files = await h.quadletFiles();
      assert.deepEqual(Object.keys(files).sort(), [
        "gitops-pgo/gitops-pgo-pgo.container",
        "gitops-pgo/gitops-pgo_default.network",
        "gitops-web.container",
      ]);
      const envFile = /^EnvironmentFile=(\S+)$/m.exec(
        files["gitops-pgo/gitops-pgo-pgo.container"] ?? "",
      )?.[1];
      assert.equal(await Deno.readTextFile(envFile ?? ""), "MODE=prod\n");
      assert.match(apply.out, /source pgo branch main at [0-9a-f]{12}/);
    });
  },
});

Deno.test({
  name: "seed 003: an orphan branch holding compose.yml, .env and setup.sh deploys as its service",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, { "README.md": "landing page\n" });
      await git(h.repo.path, "checkout", "--quiet", "--orphan", "nginx");
      await git(h.repo.path, "rm", "-rfq", ".");
      await h.repo.commit({
        "compose.yml":
          "---\nservices:\n  nginx:\n    image: docker.io/library/nginx:${TAG}\n    env_file: .env\n    restart: unless-stopped\n",
        ".env": "TAG=1.27\nPASSWORD='pa$word'\n",
        "setup.sh": "#!/bin/sh\nmkdir -p /srv/nginx\n",
        "README.md": "nginx\n",
      });
      await Deno.writeTextFile(
        h.configPath,
        config(h, `[source]\nurl = "${h.repo.path}"\nbranches = ["nginx"]\n`),
      );
      const apply = await h.cli("apply");
      assert.equal(apply.code, 0, show(apply));
      const files = await h.quadletFiles();
      const nginx = files["gitops-nginx/gitops-nginx-nginx.container"] ?? "";
      assert.match(nginx, /^Image=docker\.io\/library\/nginx:1\.27$/m);
      const copy = /^EnvironmentFile=(\S+)\/\.hoist-env\/repo\/\.env$/m.exec(nginx)?.[1] ?? "";
      assert.equal(await Deno.readTextFile(`${copy}/.env`), "TAG=1.27\nPASSWORD='pa$word'\n");
      assert.equal(
        await Deno.readTextFile(`${copy}/.hoist-env/repo/.env`),
        "TAG=1.27\nPASSWORD=pa$word\n",
      );
      assert.equal(await Deno.readTextFile(`${copy}/setup.sh`), "#!/bin/sh\nmkdir -p /srv/nginx\n");
    });
  },
});

Deno.test({
  name:
    "the layout keys of a source are checked: each wrong combination is a config error naming the key",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, { "README.md": "x\n" });
      const cases: [string, RegExp][] = [
        [
          'service = "pgo"\npath = "x"',
          /service: service = "<name>" is a repository holding that one service at its root/,
        ],
        [
          'layout = "services"\nbranches = ["a"]',
          /layout: layout = "services" reads service folders of one branch/,
        ],
        [
          'services = ["a"]',
          /services: services = \[\.\.\.\] selects folders of a layout = "services" source/,
        ],
        [
          'layout = "services"\npath = ""',
          /path: layout = "services" needs the folder of the service folders/,
        ],
        ['layout = "flat"', /layout/],
      ];
      for (const [keys, message] of cases) {
        await Deno.writeTextFile(
          h.configPath,
          config(h, `[source]\nurl = "${h.repo.path}"\n${keys}\n`),
        );
        const run = await h.cli("plan");
        assert.equal(run.code, 1, show(run));
        assert.match(run.err, message, keys);
      }
    });
  },
});

Deno.test({
  name:
    'compose = "file.yml" on a source, or in [services.<name>] over it, picks the compose file of a per-service repository',
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, {
        "compose.yaml": "services:\n  plain:\n    image: docker.io/library/busybox:1.36\n",
        "prod.yml": "services:\n  prod:\n    image: docker.io/library/busybox:1.36\n",
        "staging.yml": "services:\n  staging:\n    image: docker.io/library/busybox:1.36\n",
      });
      const source = `[source]\nurl = "${h.repo.path}"\nservice = "app"\ncompose = "prod.yml"\n`;
      const containers = async () =>
        Object.keys(await h.quadletFiles()).filter((p) => p.endsWith(".container"));
      await Deno.writeTextFile(h.configPath, config(h, source));
      const first = await h.cli("apply");
      assert.equal(first.code, 0, show(first));
      assert.deepEqual(await containers(), ["gitops-app/gitops-app-prod.container"]);
      await Deno.writeTextFile(
        h.configPath,
        config(h, source, '[services.app]\ncompose = "staging.yml"\n'),
      );
      const second = await h.cli("apply");
      assert.equal(second.code, 0, show(second));
      assert.deepEqual(await containers(), ["gitops-app/gitops-app-staging.container"]);
    });
  },
});

Deno.test({
  name: "a [services.<name>] table that names no service of the host is a warning naming it",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, {
        "services/web/compose.yaml": "services:\n  a:\n    image: docker.io/library/busybox:1.36\n",
      });
      await Deno.writeTextFile(
        h.configPath,
        config(
          h,
          `[source]\nurl = "${h.repo.path}"\nlayout = "services"\npath = "services"\n`,
          '[services.wbe]\npre = "true"\n',
        ),
      );
      const plan = await h.cli("plan");
      assert.equal(plan.code, 0, show(plan));
      assert.match(
        plan.out + plan.err,
        /warning: .*config\.toml: \[services\.wbe\] names no service of this host; its settings are unused/,
      );
    });
  },
});
