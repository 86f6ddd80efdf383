import assert from "node:assert/strict";
import { formatProblem } from "../../../lib/errors.ts";
import { PURE } from "../../support/pure.ts";
import { type FakeEntry, HOST, hostFiles, read, ready, service } from "../helpers.ts";

const IMAGE = "docker.io/library/busybox:1";

/** The lines of `section` of the unit at `path` of service `app`. */
function lines(files: Record<string, FakeEntry>, path: string, section = "Container"): string[] {
  const app = ready(read(hostFiles(["app"], files)), "app");
  const unit = app.units.find((u) => u.path === path);
  assert.ok(unit, `${path} not in ${app.units.map((u) => u.path).join(", ")}`);
  const out: string[] = [];
  let current = "";
  for (const l of unit.content.split("\n")) {
    const h = /^\[(.+)\]$/.exec(l);
    if (h) current = h[1] ?? "";
    else if (current === section && l !== "" && !l.startsWith("Label=gitops-")) out.push(l);
  }
  return out;
}

/** The first line of each problem of service `app`, the host folder left out. */
function problems(files: Record<string, FakeEntry>): string[] {
  const app = service(read(hostFiles(["app"], files)), "app");
  assert.equal(app.status, "blocked", "the project is blocked");
  return app.problems.map((p) =>
    (formatProblem(p).split("\n")[0] ?? "").replaceAll(`${HOST}/`, "")
  );
}

Deno.test({
  name:
    "include: merges the services, networks and secrets of compose files in the service folder, each file's relative paths from its own folder",
  permissions: PURE,
  fn() {
    const files = {
      "app/compose.yaml":
        `include:\n  - db/compose.yaml\n  - path: [extra.yaml]\nservices:\n  web:\n    image: ${IMAGE}\n    networks: [back]\n    secrets: [pw]\n`,
      "app/db/compose.yaml":
        `services:\n  db:\n    image: ${IMAGE}\n    env_file: db.env\n    volumes: ["./data:/var/lib/db"]\n    networks: [back]\nnetworks:\n  back: {}\nsecrets:\n  pw: {file: ./pw.txt}\n`,
      "app/db/db.env": "A=1\n",
      "app/db/data/seed.sql": "select 1;\n",
      "app/db/pw.txt": "pw\n",
      "app/extra.yaml": `services:\n  cache:\n    image: ${IMAGE}\n`,
    };
    const app = ready(read(hostFiles(["app"], files)), "app");
    assert.deepEqual(app.units.map((u) => u.path).sort(), [
      "gitops-app/gitops-app-cache.container",
      "gitops-app/gitops-app-db.container",
      "gitops-app/gitops-app-web.container",
      "gitops-app/gitops-app_back.network",
      "gitops-app/gitops-app_default.network",
    ]);
    const dir = `/var/lib/hoist/services/app/${app.hash}`;
    assert.deepEqual(lines(files, "gitops-app/gitops-app-db.container"), [
      `Image=${IMAGE}`,
      "ContainerName=app-db",
      `EnvironmentFile=${dir}/.hoist-env/repo/db/db.env`,
      `Volume=${dir}/db/data:/var/lib/db`,
      "Network=gitops-app_back.network:alias=db",
    ]);
    assert.ok(
      lines(files, "gitops-app/gitops-app-web.container").includes(
        `Volume=${dir}/db/pw.txt:/run/secrets/pw:ro`,
      ),
      "a secret declared in an included file resolves from that file's folder",
    );
    const db = app.units.find((u) => u.path.endsWith("-db.container"));
    assert.equal(
      db?.source,
      `${HOST}/app/db/compose.yaml`,
      "the unit names the file it comes from",
    );
    assert.ok(
      db?.group?.inputs.includes("db/compose.yaml services.db.image"),
      JSON.stringify(db?.group),
    );
  },
});

Deno.test({
  name:
    "include: is refused with file:line for a file outside the folder (by path or symlink), a missing file, a loop, a service two files define, project_directory, and bad keys in the included file",
  permissions: PURE,
  fn() {
    const web = `services:\n  web:\n    image: ${IMAGE}\n`;
    const cases: [string, Record<string, FakeEntry>, string[]][] = [
      ["outside", { "app/compose.yaml": `include: [../other/compose.yaml]\n${web}` }, [
        "error: app/compose.yaml:1: include[0]: ../other/compose.yaml is outside the service folder",
      ]],
      ["a symlink out of the folder", {
        "app/compose.yaml": `include: [inc.yaml]\n${web}`,
        "app/inc.yaml": { symlink: "../other/compose.yaml" },
        "other/compose.yaml": web,
      }, [
        "error: app/compose.yaml:1: include[0]: symlink points outside app/ (../other/compose.yaml)",
        "error: app/inc.yaml: symlink points outside app/ (../other/compose.yaml)",
      ]],
      ["missing", { "app/compose.yaml": `include: [db.yaml]\n${web}` }, [
        "error: app/compose.yaml:1: include[0]: db.yaml does not exist in app/",
      ]],
      ["a loop", {
        "app/compose.yaml": `include: [a.yaml]\n${web}`,
        "app/a.yaml": "include: [b.yaml]\nservices: {}\n",
        "app/b.yaml": "include: [a.yaml]\nservices: {}\n",
      }, [
        "error: app/b.yaml:1: include[0]: include loops: compose.yaml → a.yaml → b.yaml → a.yaml",
      ]],
      ["a service defined twice", {
        "app/compose.yaml": `include: [more.yaml]\n${web}`,
        "app/more.yaml": `services:\n  web:\n    image: ${IMAGE}\n`,
      }, [
        "error: app/more.yaml:2: services.web: services.web is also defined in app/compose.yaml",
      ]],
      ["project_directory", {
        "app/compose.yaml": `include:\n  - path: more.yaml\n    project_directory: ..\n${web}`,
        "app/more.yaml": "services: {}\n",
      }, [
        "error: app/compose.yaml:3: include[0].project_directory: not supported by hoist (paths stay relative to each file); remove it or list it under x-hoist.ignore",
      ]],
      ["a bad key in the included file", {
        "app/compose.yaml": `include: [more.yaml]\n${web}`,
        "app/more.yaml": `services:\n  db:\n    image: ${IMAGE}\n    ports: 80\n`,
      }, ["error: app/more.yaml:4: services.db.ports: expected a list, got a number"]],
    ];
    const wrong = cases.flatMap(([what, files, want]) => {
      const got = problems(files);
      return JSON.stringify(got) === JSON.stringify(want) ? [] : [{ what, got, want }];
    });
    assert.deepEqual(wrong, []);
  },
});

Deno.test({
  name:
    "extends: {file:} merges a service of a compose file next to this one; its keys' problems name that file; subfolders, unknown services and loops are refused",
  permissions: PURE,
  fn() {
    const base =
      `services:\n  base:\n    image: ${IMAGE}\n    environment: [A=1]\n    ports: ["8080:80"]\n`;
    const files = {
      "app/compose.yaml":
        "services:\n  web:\n    extends: {file: base.yaml, service: base}\n    environment: [B=2]\n",
      "app/base.yaml": base,
    };
    assert.deepEqual(lines(files, "gitops-app/gitops-app-web.container"), [
      `Image=${IMAGE}`,
      "ContainerName=app-web",
      "Environment=A=1",
      "Environment=B=2",
      "PublishPort=8080:80",
      "Network=gitops-app_default.network:alias=web",
    ]);
    const ext = (spec: string) => `services:\n  web:\n    extends: ${spec}\n`;
    const cases: [string, Record<string, FakeEntry>, string[]][] = [
      ["a bad key of the base", {
        "app/compose.yaml": ext("{file: base.yaml, service: base}"),
        "app/base.yaml": `services:\n  base:\n    image: ${IMAGE}\n    ports: 80\n`,
      }, ["error: app/base.yaml:4: services.web.ports: expected a list, got a number"]],
      ["a subfolder", {
        "app/compose.yaml": ext("{file: lib/base.yaml, service: base}"),
        "app/lib/base.yaml": base,
      }, [
        "error: app/compose.yaml:3: services.web.extends.file: lib/base.yaml is in a subfolder; hoist extends from files next to compose.yaml only",
        "error: app/compose.yaml:2: services.web: a service needs image: or build:",
      ]],
      ["an unknown service", {
        "app/compose.yaml": ext("{file: base.yaml, service: nope}"),
        "app/base.yaml": base,
      }, [
        'error: app/compose.yaml:3: services.web.extends.file: "nope" is not a service of base.yaml',
        "error: app/compose.yaml:2: services.web: a service needs image: or build:",
      ]],
      ["outside the folder", {
        "app/compose.yaml": ext("{file: ../base.yaml, service: base}"),
      }, [
        "error: app/compose.yaml:3: services.web.extends.file: ../base.yaml is outside the service folder",
        "error: app/compose.yaml:2: services.web: a service needs image: or build:",
      ]],
    ];
    const wrong = cases.flatMap(([what, files, want]) => {
      const got = problems(files);
      return JSON.stringify(got) === JSON.stringify(want) ? [] : [{ what, got, want }];
    });
    assert.deepEqual(wrong, []);
    const loop = problems({
      "app/compose.yaml": ext("{file: a.yaml, service: a}"),
      "app/a.yaml": "services:\n  a:\n    extends: {file: b.yaml, service: b}\n",
      "app/b.yaml": "services:\n  b:\n    extends: {file: a.yaml, service: a}\n",
    });
    assert.ok(loop.some((m) => /extends loops: /.test(m)), loop.join("\n"));
  },
});
