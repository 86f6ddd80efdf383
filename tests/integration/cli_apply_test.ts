/**
 * `hoist plan/apply/validate/render` end to end through runCli, with real git, the real quadlet
 * generator and a FAKE podman + systemd (see createFakeHost in tests/support/fake_host.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  EXAMPLE_HOST,
  exampleFiles,
  generatedServices,
  makeHost,
  type RepoFiles,
  show,
  skipWithoutQuadlet,
  type TestHost,
  withTempDir,
  writeFiles,
} from "./helpers.ts";

const ignore = skipWithoutQuadlet();

const HOST = `gitops/${EXAMPLE_HOST}`;

/** The example's unit files, as quadlet_dir-relative paths. */
const EXAMPLE_UNITS = [
  "gitops-api.container",
  "gitops-api/api.network",
  "gitops-db/db-data.volume",
  "gitops-db/db.container",
  "gitops-web.container",
];

/** The example's entry units, one per service. */
const EXAMPLE_SERVICES = { api: "gitops-api.service", db: "db.service", web: "gitops-web.service" };

/**
 * What a real no-op apply spawns: the fetch and one listing each; the commit's desired state comes
 * from state_dir/desired-cache.json, so no `git archive` reads the tree again. `podman ps` comes
 * first: it is started before the fetch, which nothing it needs waits for.
 */
const NO_OP_COMMANDS = ["podman ps", "git fetch", "systemctl list-units"];

interface JsonPlan {
  revision: string;
  host: string;
  actions: { kind: string; service: string; unit: string; reason: string }[];
  problems: { level: string; file: string | null; line: number | null; message: string }[];
}

const hashLabel = (text: string | undefined) => /^Label=gitops-hash=(.*)$/m.exec(text ?? "")?.[1];

/** A test host started from `files` (default: the example) and applied once. */
async function appliedHost(dir: string, files?: RepoFiles): Promise<TestHost> {
  const h = await makeHost(dir, files ?? (await exampleFiles()));
  const first = await h.cli("apply");
  assert.equal(first.code, 0, show(first));
  h.fake.clear();
  return h;
}

async function planJson(
  h: TestHost,
  ...extra: string[]
): Promise<{ code: number; plan: JsonPlan }> {
  const r = await h.cli("plan", "--json", ...extra);
  try {
    return { code: r.code, plan: JSON.parse(r.out) as JsonPlan };
  } catch {
    throw new Error(`plan --json printed no JSON\n${show(r)}`);
  }
}

/** Asserts every container runs the hash written in its unit file on disk. */
async function assertContainersMatchUnits(h: TestHost, units: Record<string, string>) {
  const files = await h.quadletFiles();
  for (const [service, unit] of Object.entries(units)) {
    const c = h.fake.container(unit);
    assert.ok(c, `no container for ${unit}; containers: ${JSON.stringify(h.fake.containers())}`);
    assert.equal(c.labels["gitops-service"], service);
    const file = Object.entries(files).find(([, text]) =>
      text.includes(`Label=gitops-service=${service}\n`)
    );
    assert.ok(file, `no unit file labelled ${service}`);
    assert.equal(c.labels["gitops-hash"], hashLabel(file[1]), `${unit} runs the hash on disk`);
  }
}

Deno.test({
  name: "first apply of the example writes every unit, records state, starts every service",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      const r = await h.cli("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(Object.keys(await h.quadletFiles()), EXAMPLE_UNITS);
      assert.ok((await Deno.stat(`${h.stateDir}/state.db`)).isFile, "state.db created");
      await assertContainersMatchUnits(h, EXAMPLE_SERVICES);
      for (const unit of Object.values(EXAMPLE_SERVICES)) {
        assert.deepEqual(h.fake.unit(unit), { load: "loaded", active: "active" }, unit);
      }
      const starts = h.fake.events.filter((e) => e.op === "start").flatMap((e) => e.units);
      assert.ok(
        starts.indexOf("gitops-api.service") < starts.indexOf("gitops-web.service"),
        `web requires api, so api starts first: ${starts.join(", ")}`,
      );
      const reloads = h.fake.events.filter((e) => e.op === "daemon-reload");
      assert.equal(reloads.length, 1, "one daemon-reload");
      assert.deepEqual(reloads[0]!.files, EXAMPLE_UNITS, "the reload comes after every write");
      assert.ok(
        (await Deno.stat(`${h.home}/.local/share/hoist-demo/db`)).isDirectory,
        "pre.script ran (with the fake host's HOME)",
      );

      const plan = await h.cli("plan", "--detailed-exitcode");
      assert.equal(plan.code, 0, show(plan));
      assert.match(plan.out, /No changes/);
    });
  },
});

Deno.test({
  name: "apply --dry-run prints the plan and changes nothing",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      const dry = await h.cli("apply", "--dry-run");
      assert.equal(dry.code, 0, show(dry));
      const plan = await h.cli("plan");
      assert.equal(dry.out, plan.out, "apply --dry-run and plan print the same plan");
      assert.match(dry.out, /Plan: 5 to write, 2 to copy, 3 to start\./);
      assert.deepEqual(await h.quadletFiles(), {});
      assert.deepEqual(h.fake.events, []);
      assert.ok(!h.fake.commands().includes("bash"), "scripts are shown, never run, by plan");
    });
  },
});

Deno.test({
  name: "a no-op apply of the example spawns 3 processes besides its pre.script, no daemon-reload",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const r = await h.cli("apply");
      assert.equal(r.code, 0, show(r));
      const commands = h.fake.commands();
      // config.yml has a pre.script, which runs on every real apply (one bash).
      assert.deepEqual(commands.filter((c) => c !== "bash"), NO_OP_COMMANDS);
      assert.equal(commands.filter((c) => c === "bash").length, 1);
      assert.deepEqual(h.fake.events, [], "systemd was not asked to do anything");
    });
  },
});

Deno.test({
  name: "a no-op apply of 30 services spawns at most 3 processes and no daemon-reload",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir, generatedServices(30));
      assert.equal(Object.keys(await h.quadletFiles()).length, 30);
      assert.equal(h.fake.containers().length, 30, "every service runs");
      const r = await h.cli("apply");
      assert.equal(r.code, 0, show(r));
      assert.ok(h.fake.calls.length <= 3, h.fake.commands().join("\n"));
      assert.deepEqual(h.fake.commands(), NO_OP_COMMANDS);
      assert.ok(!h.fake.commands().includes("systemctl daemon-reload"));
      const plan = await h.cli("plan", "--detailed-exitcode");
      assert.equal(plan.code, 0, show(plan));
    });
  },
});

Deno.test({
  name: "a changed web/index.html restarts gitops-web.service only, naming index.html",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const before = Object.fromEntries(h.fake.containers().map((c) => [c.unit, c.id]));
      await h.repo.commit({ [`${HOST}/web/index.html`]: "<h1>hello again</h1>\n" });

      const { code, plan } = await planJson(h, "--detailed-exitcode");
      assert.equal(code, 2, JSON.stringify(plan, null, 2));
      const unitActions = plan.actions.filter((a) => ["start", "restart", "stop"].includes(a.kind));
      assert.deepEqual(unitActions.map((a) => [a.kind, a.service, a.unit]), [
        ["restart", "web", "gitops-web.service"],
      ]);
      assert.match(unitActions[0]!.reason, /index\.html/);
      assert.deepEqual(
        plan.actions.filter((a) => a.kind === "write").map((a) => a.unit),
        ["gitops-web.container"],
      );
      const text = await h.cli("plan");
      assert.match(text.out, /restart gitops-web\.service \(web\): .*index\.html/);

      const r = await h.cli("apply");
      assert.equal(r.code, 0, show(r));
      await assertContainersMatchUnits(h, EXAMPLE_SERVICES);
      const after = Object.fromEntries(h.fake.containers().map((c) => [c.unit, c.id]));
      assert.notEqual(after["gitops-web.service"], before["gitops-web.service"], "web restarted");
      assert.equal(after["gitops-api.service"], before["gitops-api.service"], "api untouched");
      assert.equal(after["db.service"], before["db.service"], "db untouched");
      const again = await h.cli("plan", "--detailed-exitcode");
      assert.equal(again.code, 0, show(again));
    });
  },
});

Deno.test({
  name: "old copies of a service's files are pruned, keeping the running one and 3 more",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const copies = () => [...Deno.readDirSync(`${h.stateDir}/services/web`)].map((e) => e.name);
      for (let i = 1; i <= 5; i++) {
        await h.repo.commit({ [`${HOST}/web/index.html`]: `<h1>v${i}</h1>\n` });
        const r = await h.cli("apply");
        assert.equal(r.code, 0, show(r));
        const running = h.fake.container("gitops-web.service")?.labels["gitops-hash"] ?? "";
        assert.ok(copies().includes(running), `the running copy ${running} is kept`);
        const text = await Deno.readTextFile(`${h.stateDir}/services/web/${running}/index.html`);
        assert.equal(text, `<h1>v${i}</h1>\n`, "the copy holds that revision's file");
        assert.equal(copies().length, Math.min(i + 1, 4), `after change ${i}: ${copies()}`);
      }
    });
  },
});

Deno.test({
  name: "a comment-only change in a manifest changes nothing",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const files = await exampleFiles();
      const h = await appliedHost(dir, files);
      const manifest = files[`${HOST}/api/manifest.yml`]!;
      const revision = await h.repo.commit({
        [`${HOST}/api/manifest.yml`]: `# owned by the api team\n${
          manifest.replace("Container:\n", "Container:  # the only section\n")
        }\n# end\n`,
      });
      const plan = await h.cli("plan", "--detailed-exitcode");
      assert.equal(plan.code, 0, show(plan));
      assert.match(plan.out, /No changes/);
      assert.ok(plan.out.includes(revision.slice(0, 12)), "the plan is for the new commit");
      const r = await h.cli("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(h.fake.events, [], "no reload, start, restart or stop");
    });
  },
});

Deno.test({
  name: "dropping a service from config.yml stops it, then removes its files, then reloads once",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const files = await exampleFiles();
      const h = await appliedHost(dir, files);
      await Deno.writeTextFile(`${h.quadletDir}/gitops-db/their-notes.txt`, "not hoist's\n");
      await h.repo.commit({
        [`${HOST}/config.yml`]: files[`${HOST}/config.yml`]!.replace("  db: {}\n", ""),
      });

      const { plan } = await planJson(h);
      const dbKinds = plan.actions.filter((a) => a.service === "db" || a.service === "")
        .map((a) => a.kind).filter((k) => ["stop", "remove", "daemon-reload"].includes(k));
      assert.deepEqual(dbKinds, ["stop", "remove", "remove", "daemon-reload"]);
      const stop = plan.actions.find((a) => a.kind === "stop")!;
      assert.match(stop.unit, /\bdb\.service\b/);
      assert.match(stop.reason, /config\.yml/);

      const r = await h.cli("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(h.fake.events.map((e) => e.op), ["stop", "daemon-reload"]);
      const [stopped, reloaded] = h.fake.events;
      assert.ok(stopped!.units.includes("db.service"));
      assert.ok(stopped!.files.includes("gitops-db/db.container"), "stopped before removing");
      assert.ok(!reloaded!.files.includes("gitops-db/db.container"), "removed before reloading");
      assert.deepEqual(Object.keys(await h.quadletFiles()), [
        "gitops-api.container",
        "gitops-api/api.network",
        "gitops-db/their-notes.txt",
        "gitops-web.container",
      ]);
      assert.equal(h.fake.container("db.service"), undefined);
      assert.equal(h.fake.unit("db.service").load, "not-found");
      await assertContainersMatchUnits(h, { api: "gitops-api.service", web: "gitops-web.service" });

      const again = await h.cli("plan", "--detailed-exitcode");
      assert.equal(again.code, 0, show(again));
      const status = JSON.parse((await h.cli("status", "--json")).out) as {
        services: { service: string }[];
      };
      assert.deepEqual(status.services.map((s) => s.service), ["api", "web"]);
    });
  },
});

Deno.test({
  name: "an invalid unit blocks only its service: generator's message, old unit kept, exit 1",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const files = await exampleFiles();
      const h = await appliedHost(dir, files);
      const apiBefore = (await h.quadletFiles())["gitops-api.container"];
      const apiContainer = h.fake.container("gitops-api.service")?.id;
      await h.repo.commit({
        [`${HOST}/api/manifest.yml`]: files[`${HOST}/api/manifest.yml`]! + "  Foo: bar\n",
        [`${HOST}/web/index.html`]: "<h1>v2</h1>\n",
      });

      const r = await h.cli("apply");
      assert.equal(r.code, 1, show(r));
      const output = r.out + r.err;
      assert.match(output, /unsupported key 'Foo'/);
      assert.match(output, new RegExp(`${HOST}/api/manifest\\.yml`));
      assert.equal((await h.quadletFiles())["gitops-api.container"], apiBefore);
      assert.equal(h.fake.container("gitops-api.service")?.id, apiContainer, "api left running");
      await assertContainersMatchUnits(h, EXAMPLE_SERVICES);
      assert.ok(
        h.fake.events.some((e) => e.op === "restart" && e.units.includes("gitops-web.service")),
        "web still applied",
      );

      const { code, plan } = await planJson(h);
      assert.equal(code, 1);
      assert.deepEqual(plan.actions.filter((a) => a.kind !== "run-script"), []);
      const err = plan.problems.find((p) => p.level === "error");
      assert.equal(err?.file, `${HOST}/api/manifest.yml`);
      assert.match(err?.message ?? "", /Foo/);
    });
  },
});

Deno.test({
  name: "an invalid unit is never written on a first apply; the other services start",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const files = await exampleFiles();
      files[`${HOST}/db/db.container`] = files[`${HOST}/db/db.container`]!.replace(
        "Environment=TZ=UTC\n",
        "Environment=TZ=UTC\nBogus=1\n",
      );
      const h = await makeHost(dir, files);
      const r = await h.cli("apply");
      assert.equal(r.code, 1, show(r));
      assert.match(r.out + r.err, /unsupported key 'Bogus'/);
      const written = Object.keys(await h.quadletFiles());
      assert.ok(!written.some((p) => p.startsWith("gitops-db/")), written.join(", "));
      await assertContainersMatchUnits(h, { api: "gitops-api.service", web: "gitops-web.service" });
    });
  },
});

Deno.test({
  name: "plan --json prints {revision, host, actions[{kind,service,unit,reason}], problems[...]}",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const files = await exampleFiles();
      files[`${HOST}/config.yml`] += "  broken: {}\n";
      files[`${HOST}/broken/manifest.yml`] = "Container:\n  Image: [unclosed\n";
      const h = await makeHost(dir, files);
      const { code, plan } = await planJson(h);
      assert.equal(code, 1, "an error-level problem");
      assert.equal(plan.revision, await h.repo.head());
      assert.equal(plan.host, EXAMPLE_HOST);
      assert.ok(plan.actions.length > 0);
      for (const a of plan.actions) {
        assert.deepEqual(Object.keys(a).sort(), ["kind", "reason", "service", "unit"]);
        for (const v of Object.values(a)) assert.equal(typeof v, "string");
      }
      assert.ok(plan.actions.some((a) => a.kind === "write" && a.unit === "gitops-web.container"));
      assert.ok(!plan.actions.some((a) => a.service === "broken"));
      const problem = plan.problems.find((p) => p.file === `${HOST}/broken/manifest.yml`);
      assert.ok(problem, JSON.stringify(plan.problems, null, 2));
      assert.equal(problem.level, "error");
      assert.equal(typeof problem.line, "number");
      assert.equal(typeof problem.message, "string");
      for (const p of plan.problems) {
        for (const key of ["level", "file", "line", "message"]) assert.ok(key in p, key);
      }
    });
  },
});

Deno.test({
  name: "files in quadlet_dir that hoist did not create stay untouched",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const files = await exampleFiles();
      const h = await makeHost(dir, files);
      const theirs = {
        "mine.container": "[Container]\nImage=docker.io/library/alpine:3\n",
        "notes.txt": "hand-written\n",
        "gitops-web.container": "[Container]\nImage=docker.io/library/nginx:1\n",
      };
      await writeFiles(h.quadletDir, theirs);
      const r = await h.cli("apply");
      assert.equal(r.code, 1, show(r));
      assert.match(
        r.out + r.err,
        /gitops-web\.container: refusing to overwrite a file hoist did not create/,
      );
      await assertContainersMatchUnits(h, { api: "gitops-api.service", db: "db.service" });
      assert.equal(h.fake.container("gitops-web.service"), undefined);

      await h.repo.commit({
        [`${HOST}/config.yml`]: "services:\n  api: {}\n",
      });
      const r2 = await h.cli("apply");
      assert.equal(r2.code, 0, show(r2));
      const now = await h.quadletFiles();
      for (const [path, text] of Object.entries(theirs)) assert.equal(now[path], text, path);
      assert.deepEqual(
        Object.keys(now).sort(),
        [
          "gitops-api.container",
          "gitops-api/api.network",
          ...Object.keys(theirs),
        ].sort(),
      );
    });
  },
});

Deno.test({
  name: "a service whose start fails is reported, the others start, the next apply retries it",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      h.fake.failStart.add("db.service");
      const r = await h.cli("apply");
      assert.equal(r.code, 1, show(r));
      assert.match(r.out, /failed start db\.service/);
      await assertContainersMatchUnits(h, { api: "gitops-api.service", web: "gitops-web.service" });
      h.fake.failStart.clear();
      h.fake.clear();
      const again = await h.cli("apply");
      assert.equal(again.code, 0, show(again));
      assert.deepEqual(
        h.fake.events.filter((e) => e.op !== "daemon-reload").map((e) => [e.op, e.units]),
        [["start", ["db.service"]]],
      );
      await assertContainersMatchUnits(h, EXAMPLE_SERVICES);
    });
  },
});

Deno.test({
  name: "a service stopped behind hoist's back is started again, without a daemon-reload",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      await h.fake.run({ cmd: "systemctl", args: ["--user", "stop", "--", "db.service"] });
      h.fake.clear();
      const { code, plan } = await planJson(h, "--detailed-exitcode");
      assert.equal(code, 2);
      assert.deepEqual(
        plan.actions.filter((a) => a.kind !== "run-script").map((a) => [a.kind, a.unit]),
        [["start", "db.service"]],
      );
      const r = await h.cli("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(h.fake.events.map((e) => [e.op, e.units]), [["start", ["db.service"]]]);
      await assertContainersMatchUnits(h, EXAMPLE_SERVICES);
    });
  },
});

Deno.test({
  name: "a unit file deleted by hand is written again and nothing restarts (same content)",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const before = await h.quadletFiles();
      await Deno.remove(`${h.quadletDir}/gitops-web.container`);
      const r = await h.cli("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(await h.quadletFiles(), before);
      assert.deepEqual(h.fake.events.map((e) => e.op), ["daemon-reload"]);
      await assertContainersMatchUnits(h, EXAMPLE_SERVICES);
    });
  },
});

Deno.test({
  name: "a failing pre.script stops the apply before anything is written",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const files = await exampleFiles();
      files[`${HOST}/config.yml`] = files[`${HOST}/config.yml`]!.replace(
        "    mkdir -p",
        "    echo 'volume missing' >&2; exit 3\n    mkdir -p",
      );
      const h = await makeHost(dir, files);
      const r = await h.cli("apply");
      assert.equal(r.code, 1, show(r));
      assert.match(r.out, /pre\.script exited 3: volume missing/);
      assert.deepEqual(await h.quadletFiles(), {});
      assert.deepEqual(h.fake.events, [], "systemd untouched");
    });
  },
});

Deno.test({
  name: "removing the last service keeps quadlet_dir itself",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir, {
        [`${HOST}/config.yml`]: "services:\n  one: {}\n",
        [`${HOST}/one/manifest.yml`]: "Container:\n  Image: docker.io/library/busybox:1.36\n",
      });
      await h.repo.commit({ [`${HOST}/config.yml`]: "services: {}\n" });
      const r = await h.cli("apply");
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(await h.quadletFiles(), {});
      assert.ok(
        (await Deno.stat(h.quadletDir)).isDirectory,
        "quadlet_dir is not hoist's to delete",
      );
    });
  },
});

Deno.test({
  name: "validate DIR --host H reports file:line for a broken manifest and exits 1",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const files = await exampleFiles();
      const checkout = `${dir}/checkout`;
      await writeFiles(checkout, files);
      const h = await makeHost(dir, files);
      const ok = await h.rawCli("validate", checkout, "--host", EXAMPLE_HOST);
      assert.equal(ok.code, 0, show(ok));
      assert.match(ok.out, /OK: demo-host/);

      await writeFiles(checkout, {
        [`${HOST}/web/manifest.yml`]: "Container:\n  Image: docker.io/library/busybox:1.36\n" +
          "  Exec:\n    - one\n    - two\n  Volume: [unclosed\n",
      });
      const bad = await h.rawCli("validate", checkout, "--host", EXAMPLE_HOST);
      assert.equal(bad.code, 1, show(bad));
      assert.match(bad.out, new RegExp(`${HOST}/web/manifest\\.yml:\\d+: `));

      await writeFiles(checkout, {
        [`${HOST}/web/manifest.yml`]: "Container:\n  Image: docker.io/library/busybox:1.36\n" +
          "  Frobnicate: yes\n",
      });
      const rejected = await h.rawCli("validate", checkout, "--host", EXAMPLE_HOST);
      assert.equal(rejected.code, 1, show(rejected));
      assert.match(rejected.out, /unsupported key 'Frobnicate'/);
      assert.match(rejected.out, new RegExp(`${HOST}/web/manifest\\.yml`));
    });
  },
});

Deno.test({
  name: "render web prints the unit apply writes",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await appliedHost(dir);
      const r = await h.cli("render", "web");
      assert.equal(r.code, 0, show(r));
      const onDisk = (await h.quadletFiles())["gitops-web.container"]!;
      assert.ok(r.out.startsWith(`# ${h.quadletDir}/gitops-web.container\n`), r.out);
      assert.ok(r.out.includes(onDisk), `render differs from the file written:\n${r.out}`);
      const missing = await h.cli("render", "nope");
      assert.equal(missing.code, 1, show(missing));
      assert.match(missing.err, /no service nope/);
    });
  },
});

Deno.test("an unknown option or command exits 64", async () => {
  await withTempDir(async (dir) => {
    const h = await makeHost(dir, { "gitops/h/config.yml": "services: {}\n" }, "h");
    for (const argv of [["plan", "--bogus"], ["frobnicate"], ["--nope", "plan"]]) {
      const r = await h.cli(...argv);
      assert.equal(r.code, 64, `${argv.join(" ")}\n${show(r)}`);
      assert.notEqual(r.err, "", "says what is wrong");
    }
    assert.deepEqual(h.fake.calls, [], "nothing ran");
  });
});

Deno.test("a missing config exits 1 with a hint naming the file", async () => {
  await withTempDir(async (dir) => {
    const h = await makeHost(dir, { "gitops/h/config.yml": "services: {}\n" }, "h");
    const r = await h.rawCli("--config", `${dir}/absent.toml`, "plan");
    assert.equal(r.code, 1, show(r));
    assert.match(r.err, new RegExp(`${dir}/absent\\.toml`));
    assert.match(r.err, /hint: .*\n?.*\[source\]/);
    assert.deepEqual(h.fake.calls, [], "nothing ran");
  });
});
