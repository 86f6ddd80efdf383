/**
 * The desired-state cache (lib/run/desired_cache.ts): every input of its key makes a miss when it
 * changes (a table, pure), a variable the reading never looked up does not; the JSON form keeps
 * maps, sets and odd keys and never holds file bytes; and through the real git adapter on a real
 * repository, a hit reads no tree (no `git archive`) while a changed host-side input, another
 * hoist version, an unreadable file or a failed decryption each make hoist read the trees again.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import type { Config } from "../../lib/config/load_config.ts";
import type { DesiredFile, DesiredState } from "../../lib/desired/types.ts";
import {
  cachedDesired,
  type CacheInputs,
  cacheKey,
  decodeDesired,
  desiredCachePath,
  encodeDesired,
  RecordingVars,
} from "../../lib/run/desired_cache.ts";
import { buildDeps, type Deps } from "../../lib/deps.ts";
import { fetchSources } from "../../lib/run/fetch_sources.ts";
import { openStore } from "../../lib/state/store.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { countingRunner } from "../support/counting_runner.ts";
import { makeRepo, withTempDir } from "../integration/helpers.ts";

const CTX = { hostname: "pi", uid: 0, home: "/root", env: {} };

/** An agent config; `top` goes before the first table, `tables` after the others. */
function config(top = "", tables = ""): Config {
  return parseConfig(
    `host = "pi"\nstate_dir = "/var/lib/hoist"\n${top}\n[source]\nurl = "/srv/repo"\n` +
      `[trust]\nrequire_signed = false\n${tables}`,
    "/etc/hoist/config.toml",
    CTX,
  );
}

const BASE: CacheInputs = {
  build: "file:///usr/local/bin/hoist|/usr/local/bin/hoist:1000:1",
  config: config(),
  commits: [["main", "main", "a".repeat(40)]],
  host: {
    vars: new Map([["WEB_DB_PASSWORD", "s3"], ["TERM", "xterm"]]),
    hostDirs: new Map([["secrets", "/etc/hoist/secrets"]]),
    hostFiles: new Map([["/etc/hoist/secrets/web.env", "A=1\n"]]),
  },
  hostKey: "k".repeat(64),
};
const READ = ["WEB_DB_PASSWORD", "UNSET_VAR"];

const misses: Array<[string, CacheInputs]> = [
  ["another build of hoist", {
    ...BASE,
    build: "file:///usr/local/bin/hoist|/usr/local/bin/hoist:1000:2",
  }],
  ["another agent config field (unit_prefix)", { ...BASE, config: config('unit_prefix = "x-"') }],
  ["another keep_copies", { ...BASE, config: config("keep_copies = 5") }],
  [
    "a [services.<name>] table",
    { ...BASE, config: config("", '[services.web]\npre = "echo hi"') },
  ],
  ["another commit", { ...BASE, commits: [["main", "main", "b".repeat(40)]] }],
  ["another branch", { ...BASE, commits: [["main", "prod", "a".repeat(40)]] }],
  ["another source name", { ...BASE, commits: [["other", "main", "a".repeat(40)]] }],
  ["a second source", {
    ...BASE,
    commits: [...BASE.commits, ["svc", "main", "c".repeat(40)]],
  }],
  ["a looked-up variable's value", {
    ...BASE,
    host: { ...BASE.host, vars: new Map([["WEB_DB_PASSWORD", "s4"], ["TERM", "xterm"]]) },
  }],
  ["a looked-up variable unset", {
    ...BASE,
    host: { ...BASE.host, vars: new Map([["TERM", "xterm"]]) },
  }],
  ["a looked-up variable that was unset now set", {
    ...BASE,
    host: { ...BASE.host, vars: new Map([...BASE.host.vars, ["UNSET_VAR", ""]]) },
  }],
  ["a host_dirs file's text", {
    ...BASE,
    host: { ...BASE.host, hostFiles: new Map([["/etc/hoist/secrets/web.env", "A=2\n"]]) },
  }],
  ["a host_dirs file added", {
    ...BASE,
    host: {
      ...BASE.host,
      hostFiles: new Map([...BASE.host.hostFiles, ["/etc/hoist/secrets/db.env", "B=1\n"]]),
    },
  }],
  ["another host digest key", { ...BASE, hostKey: "j".repeat(64) }],
  ["the host digest key gone", { ...BASE, hostKey: undefined }],
];

for (const [what, inputs] of misses) {
  Deno.test({
    name: `desired-state cache key changes with ${what}`,
    permissions: "none",
    fn() {
      assert.notEqual(cacheKey(inputs, READ), cacheKey(BASE, READ));
    },
  });
}

Deno.test({
  name: "desired-state cache key tells apart configs differing only inside a set or a map",
  permissions: "none",
  fn() {
    const withField = (v: unknown) => ({ ...BASE, config: { ...BASE.config, extra: v } as Config });
    const key = (v: unknown) => cacheKey(withField(v), READ);
    assert.notEqual(key(new Set(["a"])), key(new Set(["b"])));
    assert.notEqual(key(new Map([["a", 1]])), key(new Map([["a", 2]])));
    assert.notEqual(key(new Set(["a"])), key({}));
    assert.notEqual(key(new Date(0)), key(new Date(1)));
    assert.equal(key(new Set(["a", "b"])), key(new Set(["b", "a"])));
  },
});

Deno.test({
  name: "desired-state cache key ignores variables the reading never looked up",
  permissions: "none",
  fn() {
    const other = {
      ...BASE,
      host: { ...BASE.host, vars: new Map([["WEB_DB_PASSWORD", "s3"], ["TERM", "dumb"]]) },
    };
    assert.equal(cacheKey(other, READ), cacheKey(BASE, READ));
    // a reading that enumerated the variables depends on every one of them
    assert.notEqual(cacheKey(other, "all"), cacheKey(BASE, "all"));
  },
});

Deno.test({
  name: "desired-state cache key does not depend on the order keys and files come in",
  permissions: "none",
  fn() {
    const reordered = {
      ...BASE,
      host: {
        ...BASE.host,
        vars: new Map([["TERM", "xterm"], ["WEB_DB_PASSWORD", "s3"]]),
      },
    };
    assert.equal(cacheKey(reordered, [...READ].reverse()), cacheKey(BASE, READ));
  },
});

Deno.test({
  name: "RecordingVars notes the names looked up, and 'all' once the variables are enumerated",
  permissions: "none",
  fn() {
    const vars = new RecordingVars(new Map([["A", "1"], ["B", "2"]]));
    assert.equal(vars.get("B"), "2");
    assert.equal(vars.has("C"), false);
    assert.deepEqual(vars.read, ["B", "C"]);
    assert.deepEqual([...vars], [["A", "1"], ["B", "2"]]);
    assert.equal(vars.read, "all");
  },
});

Deno.test({
  name:
    "the cache's JSON form keeps maps, sets, NUL-led keys and files' bytes, but no secret file's bytes",
  permissions: "none",
  fn() {
    const enc = new TextEncoder();
    const desired = {
      revision: "r",
      services: [{
        name: "web",
        files: [
          { path: "db.env", data: enc.encode("PASSWORD=s3cret"), digest: "k", secret: true },
          { path: "index.html", data: enc.encode("<h1>hi</h1>"), digest: "d" },
        ],
        inputs: { "\0map": "a key that looks like a marker" },
        ports: new Map([[80, new Set(["tcp"])]]),
        optional: undefined,
      }],
    } as unknown as DesiredState;
    const text = JSON.stringify(encodeDesired(desired));
    assert.equal(text.includes("s3cret"), false);
    assert.equal(text.includes(enc.encode("PASSWORD=s3cret").toBase64()), false);
    const back = decodeDesired(JSON.parse(text)) as unknown as {
      services: [{
        files: [{ data: Uint8Array; secret: true }, { data: Uint8Array }];
        inputs: object;
        ports: Map<number, Set<string>>;
      }];
    };
    const svc = back.services[0];
    assert.deepEqual(svc.files[0].data, new Uint8Array(0));
    assert.equal(svc.files[0].secret, true);
    assert.equal(new TextDecoder().decode(svc.files[1].data), "<h1>hi</h1>");
    assert.deepEqual(svc.inputs, { "\0map": "a key that looks like a marker" });
    assert.deepEqual(svc.ports, new Map([[80, new Set(["tcp"])]]));
    assert.equal("optional" in svc, false);
    assert.throws(() => encodeDesired({ when: new Date(0) } as unknown as DesiredState));
  },
});

// ---------------------------------------------------------------------------------------------
// Through the real git adapter and file system

const MANIFEST = "Container:\n  Image: docker.io/library/busybox:1.36\n";

/** A repository with one service (an env file filled from `WEB_GREETING`), fetched as hoist does. */
async function setup(dir: string) {
  const repo = await makeRepo(`${dir}/repo`, {
    "gitops/pi/config.yml": "services:\n  web: {}\n",
    "gitops/pi/web/manifest.yml": MANIFEST,
    "gitops/pi/web/app.env": "GREETING=${GREETING}\n",
    "gitops/pi/web/index.html": "<h1>hi</h1>\n",
  });
  const envFile = `${dir}/env`;
  await Deno.writeTextFile(envFile, "WEB_GREETING=hello\n");
  const cfg = parseConfig(
    `host = "pi"\nstate_dir = "${dir}/state"\nquadlet_dir = "${dir}/q"\n` +
      `[source]\nurl = "${repo.path}"\npath = "gitops"\n[trust]\nrequire_signed = false\n` +
      `[secrets]\nenv_files = ["${envFile}"]\n`,
    `${dir}/config.toml`,
    CTX,
  );
  await Deno.mkdir(cfg.stateDir, { recursive: true });
  const counting = countingRunner(createRunner());
  const deps: Deps = { ...await buildDeps(cfg, counting.run), env: { PATH: "/usr/bin:/bin" } };
  const store = openStore(`${cfg.stateDir}/state.db`);
  /** One lookup: the answer, whether `git archive` ran, the desired state read. */
  const lookup = async (d: Deps = deps, prune = false) => {
    counting.calls.length = 0;
    const fetched = await fetchSources(d, cfg, store, { allowRollback: false });
    const cache = await cachedDesired(d, cfg, fetched, { prune });
    const desired = cache.hit ?? await cache.read();
    const archived = counting.calls.some((c) => c.args.includes("archive"));
    return { hit: cache.hit !== undefined, archived, desired, cache };
  };
  return { repo, cfg, deps, store, envFile, lookup };
}

Deno.test("a second run of the same commit hits the cache and runs no git archive", async () => {
  await withTempDir(async (dir) => {
    const s = await setup(dir);
    try {
      const first = await s.lookup();
      assert.equal(first.hit, false);
      assert.equal(first.archived, true);
      const path = desiredCachePath(s.cfg.stateDir);
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      const second = await s.lookup();
      assert.equal(second.hit, true);
      assert.equal(second.archived, false);
      // the same state as read, but for the files' bytes
      const hollow = (d: DesiredState) =>
        JSON.stringify(encodeDesired(decodeDesired(encodeDesired(d))));
      assert.equal(hollow(second.desired), hollow(first.desired));
      // the env file, filled from [secrets] env_files, is secret: its bytes are not stored
      const text = (f: DesiredFile | undefined) => new TextDecoder().decode(f?.data);
      const web = second.desired.services[0];
      assert.ok(web?.status === "ready");
      assert.deepEqual(web.files.map((f) => [f.path, text(f)]), [
        ["app.env", ""],
        ["index.html", "<h1>hi</h1>\n"],
      ]);
      assert.equal((await Deno.readTextFile(path)).includes("hello"), false);
      // reading in full after a hit gives the bytes back, from the tree
      const full = await second.cache.read();
      const fullWeb = full.services[0];
      assert.ok(fullWeb?.status === "ready");
      assert.equal(text(fullWeb.files.find((f) => f.path === "app.env")), "GREETING=hello\n");
    } finally {
      s.store.close();
    }
  });
});

Deno.test("a new commit, a changed env_files variable, a hoist version or a broken file: miss", async () => {
  await withTempDir(async (dir) => {
    const s = await setup(dir);
    try {
      await s.lookup();
      assert.equal((await s.lookup()).hit, true);
      await s.repo.commit({ "gitops/pi/web/manifest.yml": `${MANIFEST}  Network: none\n` });
      assert.equal((await s.lookup()).hit, false, "new commit");
      assert.equal((await s.lookup()).hit, true);
      await Deno.writeTextFile(s.envFile, "WEB_GREETING=bye\n");
      const changed = await s.lookup();
      assert.equal(changed.hit, false, "env_files value");
      const web = changed.desired.services[0];
      assert.ok(web?.status === "ready");
      const appEnv = web.files.find((f) => f.path === "app.env");
      assert.equal(new TextDecoder().decode(appEnv?.data), "GREETING=bye\n");
      // WEB_GREETING is set, so GREETING (the unprefixed fallback) is never looked up
      const env = (more: Record<string, string>) => ({
        ...s.deps,
        env: { ...s.deps.env, ...more },
      });
      assert.equal((await s.lookup(env({ GREETING: "x" }))).hit, true, "unread variable");
      await Deno.writeTextFile(s.envFile, "");
      assert.equal((await s.lookup(env({ GREETING: "x" }))).hit, false, "env_files emptied");
      assert.equal((await s.lookup(env({ GREETING: "x" }))).hit, true);
      assert.equal((await s.lookup(env({ GREETING: "y" }))).hit, false, "environment value");
      const path = desiredCachePath(s.cfg.stateDir);
      const entry = JSON.parse(await Deno.readTextFile(path));
      await Deno.writeTextFile(path, JSON.stringify({ ...entry, hoist: "0.0.0-other" }));
      assert.equal((await s.lookup()).hit, false, "another hoist version");
      await Deno.writeTextFile(path, "{ not json");
      assert.equal((await s.lookup()).hit, false, "unreadable file");
      assert.equal((await s.lookup()).hit, true, "rebuilt");
    } finally {
      s.store.close();
    }
  });
});

Deno.test("an apply needs an entry written by an apply (which pruned the secrets cache)", async () => {
  await withTempDir(async (dir) => {
    const s = await setup(dir);
    try {
      await s.lookup(s.deps, false);
      assert.equal((await s.lookup(s.deps, false)).hit, true);
      assert.equal((await s.lookup(s.deps, true)).hit, false);
      assert.equal((await s.lookup(s.deps, true)).hit, true);
      assert.equal((await s.lookup(s.deps, false)).hit, true);
    } finally {
      s.store.close();
    }
  });
});

Deno.test("a reading whose decryption failed is not stored", async () => {
  await withTempDir(async (dir) => {
    const s = await setup(dir);
    try {
      await s.repo.commit({ "gitops/pi/web/db.sops.env": "not really encrypted\n" });
      const failing: Deps = {
        ...s.deps,
        // no sops here: a stand-in that cannot decrypt (as a host without the key)
        sops: {
          decrypt: () => Promise.resolve({ ok: false, message: "no key", hint: "add the key" }),
        },
      };
      const first = await s.lookup(failing);
      assert.equal(first.hit, false);
      assert.equal(first.desired.services[0]?.status, "blocked");
      assert.equal((await s.lookup(failing)).hit, false);
    } finally {
      s.store.close();
    }
  });
});
