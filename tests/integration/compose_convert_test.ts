/**
 * `hoist convert FILE` through runCli with the real adapters (and the real quadlet generator),
 * hoist's environment replaced by the test's own variables.
 *
 * @module
 */
import assert from "node:assert/strict";
import { runCli } from "../../lib/cli/program.ts";
import { buildDeps } from "../../lib/deps.ts";
import { captureIo, withTempDir } from "./helpers.ts";

/** Runs `hoist ...argv` with `env` as hoist's environment. */
async function hoist(home: string, env: Record<string, string>, ...argv: string[]) {
  const capture = captureIo(home);
  const code = await runCli(argv, capture.io, async (c) => ({ ...(await buildDeps(c)), env }));
  return { code, ...capture.take() };
}

const COMPOSE = `services:
  web:
    image: docker.io/library/caddy:\${TAG:-2}
    env_file: app.env
    volumes: ["./site:/srv:ro", "../shared:/shared"]
    ports: ["\${PORT}:80"]
`;

Deno.test({
  name:
    "hoist convert prints the units of one compose file: paths in its folder, .env then hoist's environment",
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/blog`);
      await Deno.writeTextFile(`${dir}/blog/compose.yaml`, COMPOSE);
      await Deno.writeTextFile(`${dir}/blog/.env`, "PORT=8080\nTAG=2.7\n");
      const run = await hoist(dir, { TAG: "2.8" }, "convert", `${dir}/blog/compose.yaml`);
      assert.equal(run.err, "");
      assert.equal(run.code, 0);
      assert.equal(
        run.out,
        `# gitops-blog-web.container
[Container]
Image=docker.io/library/caddy:2.8
ContainerName=blog-web
EnvironmentFile=${dir}/blog/app.env
Volume=${dir}/blog/site:/srv:ro
Volume=${dir}/shared:/shared
PublishPort=8080:80
Network=gitops-blog_default.network:alias=web

[Install]
WantedBy=default.target

# gitops-blog_default.network
[Network]
NetworkName=blog_default

`,
      );
    });
  },
});

Deno.test({
  name: "hoist convert --json --project names the project and lists units and problems",
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(
        `${dir}/docker-compose.yml`,
        "services:\n  web:\n    image: docker.io/library/busybox:1\n    x-note: kept out\n",
      );
      const run = await hoist(
        dir,
        {},
        "convert",
        "--json",
        "--project",
        "demo",
        `${dir}/docker-compose.yml`,
      );
      assert.equal(run.code, 0);
      assert.deepEqual(JSON.parse(run.out), {
        project: "demo",
        units: [
          {
            file: "gitops-demo-web.container",
            type: "container",
            content:
              "[Container]\nImage=docker.io/library/busybox:1\nContainerName=demo-web\nNetwork=gitops-demo_default.network:alias=web\n\n[Install]\nWantedBy=default.target\n",
          },
          {
            file: "gitops-demo_default.network",
            type: "network",
            content: "[Network]\nNetworkName=demo_default\n",
          },
        ],
        problems: [],
      });
    });
  },
});

Deno.test({
  name: "hoist convert exits 1 with every problem as file:line and prints no unit",
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(
        `${dir}/compose.yaml`,
        "services:\n  web:\n    image: x\n    deploy: {replicas: 2}\n    ports: 80\n",
      );
      const run = await hoist(dir, {}, "convert", `${dir}/compose.yaml`);
      assert.equal(run.code, 1);
      assert.equal(run.out, "");
      assert.equal(
        run.err,
        `error: ${dir}/compose.yaml:4: services.web.deploy: not supported by quadlets; remove it or list it under x-hoist.ignore
error: ${dir}/compose.yaml:5: services.web.ports: expected a list, got a number
  hint: Write ports: ["8080:80"]
`,
      );
      const missing = await hoist(dir, {}, "convert", `${dir}/nope.yaml`);
      assert.equal(missing.code, 1);
      assert.equal(
        missing.err,
        `error: no file ${dir}/nope.yaml\n  hint: Pass the path of a compose file\n`,
      );
    });
  },
});

Deno.test({
  name:
    "hoist convert reads the files a compose file includes or extends: an included file's paths from its own folder, a missing one an error naming its line",
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/app/db`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/app/compose.yaml`,
        "include: [db/compose.yaml]\nservices:\n  web:\n    extends: {file: base.yaml, service: base}\n",
      );
      await Deno.writeTextFile(
        `${dir}/app/base.yaml`,
        "services:\n  base:\n    image: docker.io/library/busybox:1.36\n    environment: [A=1]\n",
      );
      await Deno.writeTextFile(
        `${dir}/app/db/compose.yaml`,
        'services:\n  db:\n    image: docker.io/library/busybox:1.36\n    volumes: ["./data:/data"]\n',
      );
      const run = await hoist(dir, {}, "convert", "--json", `${dir}/app/compose.yaml`);
      assert.equal(run.code, 0, run.out + run.err);
      const report = JSON.parse(run.out) as { units: { file: string; content: string }[] };
      const text = (name: string) => report.units.find((u) => u.file === name)?.content ?? "";
      assert.match(text("gitops-app-web.container"), /^Environment=A=1$/m);
      assert.match(
        text("gitops-app-db.container"),
        new RegExp(`^Volume=${dir}/app/db/data:/data$`, "m"),
      );

      await Deno.remove(`${dir}/app/base.yaml`);
      const missing = await hoist(dir, {}, "convert", `${dir}/app/compose.yaml`);
      assert.equal(missing.code, 1, missing.out + missing.err);
      assert.match(
        missing.err,
        new RegExp(
          `${dir}/app/compose\\.yaml:4: services\\.web\\.extends\\.file: base\\.yaml does not exist`,
        ),
      );
    });
  },
});

Deno.test({
  name:
    "hoist convert warns on stderr about each x-hoist setting the units cannot carry, at its file:line; x-hoist.ignore acts on the conversion itself",
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(
        `${dir}/compose.yaml`,
        `x-hoist:
  restart_on_change: false
  ignore: [deploy]
services:
  web:
    image: docker.io/library/busybox:1
    deploy: {replicas: 2}
    x-hoist:
      health: {http: "http://127.0.0.1:8080/"}
      images: auto
  db:
    image: docker.io/library/busybox:1.36
`,
      );
      const run = await hoist(dir, {}, "convert", `${dir}/compose.yaml`);
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /^# gitops-[^\n]*-web\.container$/m);
      const hint =
        "  hint: Keep it in the compose file hoist deploys: the quadlets alone have no " +
        "form for it\n";
      const only = (line: number, path: string) =>
        `warning: ${dir}/compose.yaml:${line}: ${path}: applies only when hoist deploys this ` +
        `file; the units printed here do not carry it\n${hint}`;
      assert.equal(
        run.err,
        `warning: ${dir}/compose.yaml:7: services.web.deploy: not supported by quadlets; ignored (x-hoist.ignore)\n` +
          only(2, "x-hoist.restart_on_change") +
          only(9, "services.web.x-hoist.health") +
          only(10, "services.web.x-hoist.images"),
      );
      const json = await hoist(dir, {}, "convert", "--json", `${dir}/compose.yaml`);
      const report = JSON.parse(json.out) as { problems: { line: number; message: string }[] };
      assert.deepEqual(
        report.problems.map((p) => `${p.line}: ${p.message.split(":")[0]}`),
        [
          "7: services.web.deploy",
          "2: x-hoist.restart_on_change",
          "9: services.web.x-hoist.health",
          "10: services.web.x-hoist.images",
        ],
      );
    });
  },
});
