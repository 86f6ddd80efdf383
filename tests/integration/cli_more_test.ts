/**
 * More of the CLI through runCli, with real git and quadlet and the FAKE podman + systemd of
 * tests/support/fake_host.ts: `apply --quiet` and `--json`, `status --json`, `--lock-timeout`, and `validate`
 * over every host folder.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  EXAMPLE_HOST,
  exampleFiles,
  makeHost,
  show,
  skipWithoutQuadlet,
  type TestHost,
  withTempDir,
  writeFiles,
} from "./helpers.ts";

const ignore = skipWithoutQuadlet();

const HOST = `gitops/${EXAMPLE_HOST}`;

interface StatusRow {
  service: string;
  desiredHash: string;
  runningHash: string;
  state: string;
  lastChange: string;
  inSync: boolean;
}

interface Result {
  kind: string;
  service: string;
  unit: string;
  result: string;
  error: string | null;
}

interface ApplyJson {
  revision: string;
  changes: number;
  actions: { kind: string; service: string; unit: string }[];
  applied?: boolean;
  failed?: boolean;
  results?: Result[];
}

async function json<T>(h: TestHost, ...argv: string[]): Promise<{ code: number; doc: T }> {
  const r = await h.cli(...argv);
  try {
    return { code: r.code, doc: JSON.parse(r.out) as T };
  } catch {
    throw new Error(`${argv.join(" ")} printed no JSON\n${show(r)}`);
  }
}

async function status(h: TestHost): Promise<Record<string, StatusRow>> {
  const { code, doc } = await json<{ services: StatusRow[] }>(h, "status", "--json");
  assert.equal(code, 0);
  return Object.fromEntries(doc.services.map((r) => [r.service, r]));
}

/** The gitops-hash label of the unit file labelled as `service`'s. */
async function hashOnDisk(h: TestHost, service: string): Promise<string | undefined> {
  const text = Object.values(await h.quadletFiles())
    .find((t) => t.includes(`Label=gitops-service=${service}\n`));
  return /^Label=gitops-hash=(.*)$/m.exec(text ?? "")?.[1];
}

Deno.test({
  name: "apply --quiet prints exactly one summary line: N change(s) applied, then no changes",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      const sha = await h.repo.head();
      const { doc: plan } = await json<ApplyJson>(h, "plan", "--json");
      assert.ok(plan.changes > 0);
      const first = await h.cli("apply", "--quiet");
      assert.equal(first.code, 0, show(first));
      assert.equal(first.out, `hoist: ${plan.changes} change(s) applied at ${sha}\n`);
      assert.ok(h.fake.container("gitops-web.service"), "it did apply");

      const again = await h.cli("apply", "--quiet");
      assert.equal(again.code, 0, show(again));
      assert.equal(again.out, `hoist: no changes at ${sha}\n`);

      const next = await h.repo.commit({ [`${HOST}/web/index.html`]: "<h1>v2</h1>\n" });
      const { doc: pending } = await json<ApplyJson>(h, "plan", "--json");
      const dry = await h.cli("apply", "--quiet", "--dry-run");
      assert.equal(dry.out, `hoist: ${pending.changes} change(s) pending at ${next}\n`);
    });
  },
});

Deno.test({
  name: "status --json: per service the unit file's hash, the running hash, state and last change",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      assert.equal((await h.cli("apply")).code, 0);
      const before = await status(h);
      assert.deepEqual(Object.keys(before), ["api", "db", "web"]);
      for (const [name, row] of Object.entries(before)) {
        const hash = await hashOnDisk(h, name);
        assert.match(hash ?? "", /^[0-9a-f]{16}$/, name);
        assert.equal(row.desiredHash, hash, `${name}: desired = the unit file's gitops-hash`);
        assert.equal(row.runningHash, hash, `${name}: running = the container's label`);
        assert.equal(row.state, "running");
        assert.equal(row.inSync, true);
        assert.match(row.lastChange, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      }

      await h.repo.commit({ [`${HOST}/web/index.html`]: "<h1>v2</h1>\n" });
      const pending = await status(h);
      assert.equal(pending.web!.runningHash, before.web!.desiredHash, "not applied yet");
      assert.notEqual(pending.web!.desiredHash, before.web!.desiredHash);
      assert.equal(pending.web!.inSync, false);

      assert.equal((await h.cli("apply")).code, 0);
      const after = await status(h);
      assert.equal(after.web!.desiredHash, await hashOnDisk(h, "web"));
      assert.equal(after.web!.runningHash, after.web!.desiredHash);
      assert.ok(after.web!.lastChange > before.web!.lastChange, "web's change is recorded");
      assert.deepEqual(after.api, before.api, "api unchanged, last change included");
      assert.deepEqual(after.db, before.db);

      // dropped from config.yml but not applied: still owned and running
      const files = await exampleFiles();
      await h.repo.commit({
        [`${HOST}/config.yml`]: files[`${HOST}/config.yml`]!.replace("  db: {}\n", ""),
      });
      const dropped = await status(h);
      assert.deepEqual(dropped.db, {
        ...before.db!,
        desiredHash: "(removed)",
        inSync: false,
      });
    });
  },
});

Deno.test({
  name: "apply --json adds results: one per planned action, each with its result and error",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      h.fake.failStart.add("db.service");
      const { code, doc } = await json<ApplyJson>(h, "apply", "--json");
      assert.equal(code, 1, "a start failed");
      assert.equal(doc.applied, true);
      assert.equal(doc.failed, true);
      const results = doc.results ?? [];
      assert.deepEqual(
        results.map((r) => [r.kind, r.service, r.unit]),
        doc.actions.map((a) => [a.kind, a.service, a.unit]),
        "one result per action, in the plan's order",
      );
      for (const r of results) {
        assert.deepEqual(Object.keys(r).sort(), ["error", "kind", "result", "service", "unit"]);
        if (r.unit === "db.service") {
          assert.notEqual(r.result, "ok");
          assert.match(r.error ?? "", /db\.service/);
        } else {
          assert.equal(r.result, "ok", JSON.stringify(r));
          assert.equal(r.error, null);
        }
      }
      assert.ok(results.some((r) => r.unit === "db.service" && r.kind === "start"));

      h.fake.failStart.clear();
      const { code: code2, doc: retry } = await json<ApplyJson>(h, "apply", "--json");
      assert.equal(code2, 0);
      assert.equal(retry.failed, false);
      assert.deepEqual(
        retry.results?.filter((r) => r.kind !== "run-script").map((r) => [r.kind, r.unit]),
        // its hash was never recorded: a start for a new hash, its image (already here) first
        [["pull", "docker.io/library/redis:7-alpine"], ["start", "db.service"]],
      );
    });
  },
});

Deno.test("--lock-timeout that is not a number of seconds exits 64 before anything runs", async () => {
  await withTempDir(async (dir) => {
    const h = await makeHost(dir, { "gitops/h/config.yml": "services: {}\n" }, "h");
    for (const value of ["abc", "-1"]) {
      const r = await h.cli("apply", "--lock-timeout", value);
      assert.equal(r.code, 64, `--lock-timeout ${value}\n${show(r)}`);
      assert.match(r.err, /--lock-timeout/);
    }
    assert.deepEqual(h.fake.calls, [], "nothing ran");
    assert.equal((await h.cli("apply", "--lock-timeout", "5")).code, 0);
  });
});

/** A checkout with the example host and a second host `other` whose manifest is broken. */
async function twoHosts(dir: string, base = "gitops"): Promise<string> {
  const files = await exampleFiles();
  const checkout = `${dir}/checkout-${base}`;
  await writeFiles(
    checkout,
    Object.fromEntries(
      Object.entries(files).map(([p, t]) => [p.replace(/^gitops\//, `${base}/`), t]),
    ),
  );
  await writeFiles(checkout, {
    [`${base}/other/config.yml`]: "services:\n  cache: {}\n  proxy: {}\n",
    // rejected by the generator
    [`${base}/other/cache/manifest.yml`]: "Container:\n  Image: docker.io/library/busybox:1.36\n" +
      "  Frobnicate: yes\n",
    // rejected by the YAML parser, at a line
    [`${base}/other/proxy/manifest.yml`]: "Container:\n  Image: docker.io/library/busybox:1.36\n" +
      "  Volume: [unclosed\n",
  });
  return checkout;
}

interface ValidateJson {
  hosts: string[];
  problems: {
    level: string;
    file: string | null;
    line: number | null;
    message: string;
    hint: string | null;
  }[];
}

Deno.test({
  name: "validate DIR without --host checks every host folder; --host narrows it",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, { "gitops/h/config.yml": "services: {}\n" }, "h");
      const checkout = await twoHosts(dir);
      const all = await h.rawCli("validate", checkout);
      assert.equal(all.code, 1, show(all));
      assert.match(all.out, /gitops\/other\/cache\/manifest\.yml.*Frobnicate/);
      assert.match(all.out, /gitops\/other\/proxy\/manifest\.yml:\d+: /);
      assert.match(all.out, /error\(s\) in demo-host, other/);

      const one = await h.rawCli("validate", checkout, "--host", EXAMPLE_HOST);
      assert.equal(one.code, 0, show(one));
      assert.match(one.out, /^OK: demo-host \(\d+ warning\(s\)\)$/m);
      assert.doesNotMatch(one.out, /other/);
    });
  },
});

Deno.test({
  name:
    "validate --json prints {hosts, problems[{level,file,line,message,hint}]}; --path finds them",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, { "gitops/h/config.yml": "services: {}\n" }, "h");
      const checkout = await twoHosts(dir, "infra");
      const missing = await h.rawCli("validate", checkout);
      assert.equal(missing.code, 1, show(missing));
      assert.match(missing.err, /no host folders under .*gitops\//);

      const r = await h.rawCli("validate", checkout, "--path", "infra", "--json");
      assert.equal(r.code, 1, show(r));
      const doc = JSON.parse(r.out) as ValidateJson;
      assert.deepEqual(Object.keys(doc).sort(), ["hosts", "problems"]);
      assert.deepEqual(doc.hosts, ["demo-host", "other"]);
      for (const p of doc.problems) {
        assert.deepEqual(Object.keys(p).sort(), ["file", "hint", "level", "line", "message"]);
        assert.ok(["error", "warning"].includes(p.level), p.level);
        assert.equal(typeof p.message, "string");
        assert.ok(p.hint === null || typeof p.hint === "string");
      }
      const errors = doc.problems.filter((p) => p.level === "error")
        .sort((a, b) => (a.file ?? "") < (b.file ?? "") ? -1 : 1);
      assert.deepEqual(
        errors.map((p) => p.file),
        ["infra/other/cache/manifest.yml", "infra/other/proxy/manifest.yml"],
        JSON.stringify(doc.problems, null, 2),
      );
      assert.match(errors[0]!.message, /unsupported key 'Frobnicate'/);
      assert.equal(errors[0]!.line, 3, "the generator's complaint is placed on the key's line");
      assert.equal(typeof errors[1]!.line, "number", "a parse error has its line");
      assert.ok(errors[1]!.line! >= 2 && errors[1]!.line! <= 4, String(errors[1]!.line));

      const good = await h.rawCli("validate", checkout, "--path", "infra/", "--host", "demo-host");
      assert.equal(good.code, 0, show(good));
    });
  },
});
