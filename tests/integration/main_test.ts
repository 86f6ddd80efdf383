/**
 * The real entry point, `deno run -A main.ts`, as a subprocess: what reaches stdout and stderr,
 * exit codes, colour, and where the config comes from. Only `plan`, `version` and usage errors
 * run, so the host's podman and systemd (if any) are only read.
 *
 * @module
 */
import assert from "node:assert/strict";
import { makeRepo, ROOT, withTempDir, writeConfig } from "./helpers.ts";

const FILES = {
  "gitops/h1/config.yml": "services:\n  web: {}\n",
  "gitops/h1/web/manifest.yml": "Container:\n  Image: docker.io/library/busybox:1.36\n",
  "gitops/h2/config.yml": "services:\n  api: {}\n",
  "gitops/h2/api/manifest.yml": "Container:\n  Image: docker.io/library/busybox:1.36\n",
};

interface Proc {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

const show = (r: Proc) => `exit ${r.code}\n--- stdout\n${r.out}\n--- stderr\n${r.err}`;

/** What deno needs from this environment; nothing else (no HOIST_CONFIG, NO_COLOR, HOIST_E2E). */
function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"];
  return Object.fromEntries(keep.flatMap((k) => {
    const v = Deno.env.get(k);
    return v === undefined ? [] : [[k, v]];
  }));
}

/** Runs `deno run -A main.ts ...args` in the repository root with only `env` added. */
async function hoist(args: string[], env: Record<string, string> = {}): Promise<Proc> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", ...args],
    cwd: ROOT,
    clearEnv: true,
    env: { ...baseEnv(), ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

/** A repository with hosts h1 and h2, and a config for each (in `dir`/h1, `dir`/h2). */
async function setup(dir: string) {
  const repo = await makeRepo(`${dir}/repo`, FILES);
  const configs: Record<string, string> = {};
  for (const host of ["h1", "h2"]) {
    await Deno.mkdir(`${dir}/${host}`);
    configs[host] = (await writeConfig(`${dir}/${host}`, repo.path, host)).configPath;
  }
  return { repo, h1: configs.h1!, h2: configs.h2! };
}

Deno.test("--verbose plan --json: valid JSON on stdout, the spawn debug lines on stderr", async () => {
  await withTempDir(async (dir) => {
    const { repo, h1 } = await setup(dir);
    const r = await hoist(["--verbose", "plan", "--json", "--config", h1]);
    assert.equal(r.code, 0, show(r));
    let plan: Record<string, unknown>;
    try {
      plan = JSON.parse(r.out);
    } catch (e) {
      assert.fail(`stdout is not JSON (${(e as Error).message})\n${show(r)}`);
    }
    for (const key of ["revision", "host", "actions", "problems", "sources"]) {
      assert.ok(key in plan, `${key} in ${Object.keys(plan).join(", ")}`);
    }
    assert.equal(plan.revision, await repo.head());
    assert.equal(plan.host, "h1");
    assert.ok(Array.isArray(plan.actions) && plan.actions.length > 0);
    assert.ok(Array.isArray(plan.problems) && Array.isArray(plan.sources));
    assert.match(r.err, /spawn "git" ".*\bfetch\b/, "--verbose logs each spawned command");
    assert.match(r.err, /spawn "git" ".*\barchive\b/);
    assert.doesNotMatch(r.out, /spawn/);

    const quiet = await hoist(["plan", "--json", "--config", h1]);
    assert.equal(quiet.code, 0, show(quiet));
    assert.doesNotMatch(quiet.err, /spawn/, "without --verbose no debug lines");
  });
});

Deno.test("bare hoist (no command) is a usage error: exit 64 with the usage", async () => {
  const r = await hoist([]);
  assert.equal(r.code, 64, show(r));
  assert.match(r.out + r.err, /Usage: hoist/);
});

Deno.test("hoist version prints hoist <semver>, the version in deno.json", async () => {
  const r = await hoist(["version"]);
  assert.equal(r.code, 0, show(r));
  const m = /^hoist (\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b/.exec(r.out);
  assert.ok(m, r.out);
  const manifest = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as { version: string };
  assert.equal(m[1], manifest.version);
  assert.equal(r.out.split("\n").length, 2, "one line");
});

Deno.test("output off a terminal, or with NO_COLOR, holds no escape character", async () => {
  await withTempDir(async (dir) => {
    const { h1 } = await setup(dir);
    // a first plan: writes with diffs, a start, warnings — everything that could be coloured
    for (const env of [{}, { NO_COLOR: "1" }]) {
      const r = await hoist(["plan", "--config", h1], env);
      assert.equal(r.code, 0, show(r));
      assert.match(r.out, /\+ write /);
      assert.ok(!r.out.includes("\x1b"), `ESC on stdout with ${JSON.stringify(env)}:\n${r.out}`);
      assert.ok(!r.err.includes("\x1b"), `ESC on stderr with ${JSON.stringify(env)}:\n${r.err}`);
    }
  });
});

Deno.test({
  name: "on a terminal hoist colours its plan, and NO_COLOR turns that off",
  // script(1) (util-linux) gives the command a pseudo-terminal
  ignore: !(() => {
    try {
      return Deno.statSync("/usr/bin/script").isFile;
    } catch {
      return false;
    }
  })(),
  async fn() {
    await withTempDir(async (dir) => {
      const { h1 } = await setup(dir);
      const onTty = async (env: Record<string, string>) => {
        const cmd = [Deno.execPath(), "run", "-A", "main.ts", "plan", "--config", h1]
          .map((w) => `'${w}'`).join(" ");
        const out = await new Deno.Command("/usr/bin/script", {
          args: ["-qec", cmd, "/dev/null"],
          cwd: ROOT,
          clearEnv: true,
          env: { ...baseEnv(), TERM: "xterm", ...env },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        return { code: out.code, text: new TextDecoder().decode(out.stdout) };
      };
      const coloured = await onTty({});
      assert.equal(coloured.code, 0, coloured.text);
      assert.ok(coloured.text.includes("\x1b["), `colour on a terminal:\n${coloured.text}`);
      const plain = await onTty({ NO_COLOR: "1" });
      assert.equal(plain.code, 0, plain.text);
      assert.match(plain.text, /\+ write /);
      assert.ok(!plain.text.includes("\x1b"), `NO_COLOR still coloured:\n${plain.text}`);
    });
  },
});

Deno.test("HOIST_CONFIG is read when --config is absent; --config wins over it", async () => {
  await withTempDir(async (dir) => {
    const { h1, h2 } = await setup(dir);
    const host = async (args: string[], env: Record<string, string>) => {
      const r = await hoist(["plan", "--json", ...args], env);
      assert.equal(r.code, 0, show(r));
      return (JSON.parse(r.out) as { host: string }).host;
    };
    assert.equal(await host([], { HOIST_CONFIG: h1 }), "h1");
    assert.equal(await host([], { HOIST_CONFIG: h2 }), "h2");
    assert.equal(await host(["--config", h2], { HOIST_CONFIG: h1 }), "h2");
    assert.equal(await host(["--config", h1], { HOIST_CONFIG: h2 }), "h1");

    const missing = await hoist(["plan"], { HOIST_CONFIG: `${dir}/absent.toml` });
    assert.equal(missing.code, 1, show(missing));
    assert.match(missing.err, new RegExp(`no config file at ${dir}/absent\\.toml`));
  });
});
