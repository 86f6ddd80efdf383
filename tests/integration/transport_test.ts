/**
 * Fetching over real network protocols on 127.0.0.1: git:// (git daemon), https:// with a token
 * (git http-backend behind a local TLS server requiring Basic auth, with a throwaway certificate
 * git trusts through GIT_SSL_CAINFO) and ssh:// with a deploy key and a pinned host key (a real
 * sshd). Credentials must never leak into argv, environment values, messages, logs, output or the
 * state DB, nor reach another server through a redirect; an unreachable remote leaves the running
 * services alone.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { createFs } from "../../lib/adapters/fs.ts";
import {
  createGit,
  fetchCommand,
  type FetchRequest,
  type Git,
  GIT_ENV,
} from "../../lib/adapters/git.ts";
import { type CommandSpec, createRunner } from "../../lib/adapters/run_command.ts";
import { countingRunner } from "../support/counting_runner.ts";
import { reservePort } from "../support/ports.ts";
import { parseConfig } from "../../lib/config/load_config.ts";
import type { RepoEntry } from "../../lib/types/repo_tree.ts";
import { HoistError } from "../../lib/errors.ts";
import {
  EXAMPLE_HOST,
  exampleFiles,
  makeHost,
  makeRepo,
  ROOT,
  show,
  skipUnless,
  skipWithoutQuadlet,
  type TestHost,
  withTempDir,
} from "./helpers.ts";
import {
  bareMirror,
  generateSshKey,
  selfSignedCert,
  SSHD,
  type Sshd,
  startGitDaemon,
  startHttpGitServer,
  startRedirectServer,
  startSshd,
  withTrustedCert,
} from "./servers.ts";

const noQuadlet = skipWithoutQuadlet();

const hasSshd = (() => {
  try {
    return Deno.statSync(SSHD).isFile;
  } catch {
    return false;
  }
})();
// with HOIST_E2E=required (CI, where .ci/run installs openssh-server) a missing sshd fails
const noSshd = skipUnless(
  hasSshd
    ? undefined
    : `${SSHD} not found: skipping ssh transport tests (apt-get install openssh-server)`,
);

const FILES = {
  "gitops/h1/config.yml": "services:\n  web: {}\n",
  "gitops/h1/web/manifest.yml": "Container:\n  Image: docker.io/library/busybox:1.36\n",
  "gitops/h1/web/index.html": "<h1>v1</h1>\n",
};

const TOKEN = "tok-3b1f9c2e7d5a4f60a8e1";
const WRONG_TOKEN = "tok-wrong-77c0d4e2b9a1";

const text = (e: RepoEntry | undefined) =>
  e?.kind === "file" ? new TextDecoder().decode(e.data) : `(${e?.kind ?? "absent"})`;

/** The git adapter over the real runner, recording every command it spawns. */
function recordingGit(): { git: Git; calls: CommandSpec[] } {
  const { run, calls } = countingRunner(createRunner());
  return { git: createGit(run, createFs()), calls };
}

function request(url: string, cacheDir: string, auth: FetchRequest["auth"] = {}): FetchRequest {
  return { url, branches: ["main"], cacheDir, shallow: true, auth };
}

/** Runs `fn` and returns the HoistError it throws (fails when it does not throw one). */
async function hoistError(fn: () => Promise<unknown>): Promise<HoistError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof HoistError) return e;
    throw e;
  }
  assert.fail("expected a HoistError");
}

/** Asserts none of `secrets` occurs in `haystack` (named `what` in the failure). */
function assertNoSecret(haystack: string, secrets: readonly string[], what: string) {
  for (const s of secrets) {
    assert.ok(!haystack.includes(s), `${what} contains a secret (${s.slice(0, 6)}…):\n${haystack}`);
  }
}

/** Asserts no recorded command carries a secret in argv or in an environment value. */
function assertCallsClean(calls: readonly CommandSpec[], secrets: readonly string[]) {
  assert.ok(calls.length > 0, "commands were recorded");
  for (const c of calls) {
    assertNoSecret([c.cmd, ...c.args].join("\0"), secrets, `argv of ${c.cmd} ${c.args.join(" ")}`);
    for (const [k, v] of Object.entries(c.env ?? {})) {
      assertNoSecret(v, secrets, `env ${k} of ${c.cmd}`);
    }
    if (typeof c.stdin === "string") assertNoSecret(c.stdin, secrets, `stdin of ${c.cmd}`);
  }
}

/** Asserts no file under `dir` (the state DB, its WAL, the git cache) holds a secret's bytes. */
async function assertDirClean(dir: string, secrets: readonly string[]) {
  const enc = new TextEncoder();
  const needles = secrets.map((s) => enc.encode(s));
  const contains = (hay: Uint8Array, needle: Uint8Array) => {
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  };
  let files = 0;
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile) {
        files++;
        const bytes = await Deno.readFile(p);
        for (const [i, n] of needles.entries()) {
          assert.ok(!contains(bytes, n), `${p} contains a secret (${secrets[i]!.slice(0, 6)}…)`);
        }
      }
    }
  };
  await walk(dir);
  assert.ok(files > 0, `${dir} holds files`);
}

/** Every file under `dir` as path → bytes. */
async function snapshot(dir: string): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel === "" ? dir : `${dir}/${rel}`)) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else out[path] = await Deno.readFile(`${dir}/${path}`);
    }
  };
  await walk("");
  return out;
}

/** Events recorded in the state DB, oldest first. */
function dbEvents(stateDir: string): { kind: string; message: string }[] {
  const db = new DatabaseSync(`${stateDir}/state.db`, { readOnly: true });
  try {
    return db.prepare("SELECT kind, message FROM events ORDER BY id").all().map((r) => ({
      kind: String(r.kind),
      message: String(r.message),
    }));
  } finally {
    db.close();
  }
}

/** Points `h`'s config at `url` with extra `[source]` lines (e.g. token_file). */
async function configureSource(h: TestHost, url: string, sourceLines: string[] = []) {
  await Deno.writeTextFile(
    h.configPath,
    [
      `host = "${EXAMPLE_HOST}"`,
      'mode = "user"',
      `quadlet_dir = "${h.quadletDir}"`,
      `state_dir = "${h.stateDir}"`,
      "",
      "[source]",
      `url = "${url}"`,
      'branch = "main"',
      'path = "gitops"',
      ...sourceLines,
      "",
      "[trust]",
      "require_signed = false",
      "",
    ].join("\n"),
  );
}

/** A test host whose repository is also published as `<dir>/srv/repo.git` for servers. */
async function servedHost(dir: string) {
  const h = await makeHost(`${dir}/host`, await exampleFiles());
  const mirror = await bareMirror(h.repo.path, `${dir}/srv/repo.git`);
  return { h, mirror, srv: `${dir}/srv` };
}

/** Runs the real `main.ts` (so logging is configured as in production) and returns its output. */
async function runMain(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-all", `${ROOT}/main.ts`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

// ---------------------------------------------------------------------------------------------
// git://

Deno.test("git fetch over git:// (git daemon on 127.0.0.1) returns the tip and its tree", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/work`, FILES);
    const mirror = await bareMirror(repo.path, `${dir}/srv/repo.git`);
    const daemon = await startGitDaemon(`${dir}/srv`);
    try {
      const { git } = recordingGit();
      const cache = `${dir}/cache.git`;
      const url = daemon.url("repo.git");
      const first = await git.fetch(request(url, cache));
      assert.equal(first.get("main"), await repo.head(), daemon.stderr());
      const tree = await git.readTree(cache, first.get("main")!, "gitops/h1");
      assert.equal(text(tree.entries.get("gitops/h1/web/index.html")), "<h1>v1</h1>\n");
      assert.equal(text(tree.entries.get("gitops/h1/config.yml")), "services:\n  web: {}\n");

      const second = await repo.commit({ "gitops/h1/web/index.html": "<h1>v2</h1>\n" });
      await mirror.publish();
      const again = await git.fetch({ ...request(url, cache), shallow: false });
      assert.equal(again.get("main"), second, "the next fetch picks up the pushed commit");
      const tree2 = await git.readTree(cache, second, "gitops/h1");
      assert.equal(text(tree2.entries.get("gitops/h1/web/index.html")), "<h1>v2</h1>\n");
      assert.ok(await git.isAncestor(cache, first.get("main")!, second), "history was fetched");

      const missing = await hoistError(() =>
        git.fetch({ ...request(url, cache), branches: ["nope"] })
      );
      assert.equal(missing.code, "source-failed");
      assert.equal(missing.message, `branch nope does not exist in ${url}`);
      assert.equal(missing.hint, "Check the branch names in the config");
    } finally {
      await daemon.stop();
    }
  });
});

Deno.test({
  name: "hoist apply deploys the example from a git:// URL",
  ignore: noQuadlet,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, srv } = await servedHost(dir);
      const daemon = await startGitDaemon(srv);
      try {
        await configureSource(h, daemon.url("repo.git"));
        const r = await h.cli("apply");
        assert.equal(r.code, 0, show(r));
        assert.ok(
          Object.keys(await h.quadletFiles()).includes("gitops-web.container"),
          show(r),
        );
        const fetch = h.fake.calls.find((c) => c.args.includes("fetch"));
        assert.ok(fetch?.args.includes(daemon.url("repo.git")), "fetched from the git:// URL");
        assert.equal(h.fake.unit("gitops-web.service").active, "active");
        const again = await h.cli("plan", "--detailed-exitcode");
        assert.equal(again.code, 0, show(again));
      } finally {
        await daemon.stop();
      }
    });
  },
});

// ---------------------------------------------------------------------------------------------
// http:// with a token

Deno.test("https fetch with token_file answers the server's 401 with the token from the file", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/work`, FILES);
    await bareMirror(repo.path, `${dir}/srv/repo.git`);
    const tls = await selfSignedCert();
    const server = startHttpGitServer(`${dir}/srv`, TOKEN, { tls });
    try {
      const tokenFile = `${dir}/token`;
      await Deno.writeTextFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
      const { git, calls } = recordingGit();
      const cache = `${dir}/cache.git`;
      const url = server.url("repo.git");
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\//);
      const tips = await withTrustedCert(
        dir,
        tls,
        () => git.fetch(request(url, cache, { tokenFile })),
      );
      assert.equal(tips.get("main"), await repo.head());
      const tree = await git.readTree(cache, tips.get("main")!, "gitops/h1");
      assert.equal(text(tree.entries.get("gitops/h1/web/index.html")), "<h1>v1</h1>\n");

      assert.equal(server.requests[0]?.status, 401, "git first asks without credentials");
      const authed = server.requests.filter((r) => r.user !== undefined);
      assert.ok(authed.length > 0, JSON.stringify(server.requests));
      assert.ok(authed.every((r) => r.user === "x-access-token" && r.status === 200));
      assert.ok(authed.some((r) => r.method === "POST" && r.path.endsWith("/git-upload-pack")));

      assertCallsClean(calls, [TOKEN]);
      const fetch = calls.find((c) => c.args.includes("fetch"))!;
      assert.equal(fetch.env?.HOIST_TOKEN_FILE, tokenFile, "only the file's path is passed");
      assert.equal(fetch.env?.HOIST_TOKEN_HOST, `127.0.0.1:${server.port}`);
    } finally {
      await server.stop();
    }
  });
});

Deno.test("https fetch with a wrong or missing token fails source-failed, hint token_file, no token leaks", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/work`, FILES);
    await bareMirror(repo.path, `${dir}/srv/repo.git`);
    const tls = await selfSignedCert();
    const server = startHttpGitServer(`${dir}/srv`, TOKEN, { tls });
    try {
      const url = server.url("repo.git");
      const tokenFile = `${dir}/token`;
      await Deno.writeTextFile(tokenFile, `${WRONG_TOKEN}\n`, { mode: 0o600 });
      const { git, calls } = recordingGit();
      await withTrustedCert(dir, tls, async () => {
        const wrong = await hoistError(() =>
          git.fetch(request(url, `${dir}/c1.git`, { tokenFile }))
        );
        assert.equal(wrong.code, "source-failed");
        assert.match(wrong.message, new RegExp(`^cannot fetch ${url}: .*Authentication failed`));
        assert.match(wrong.hint ?? "", /token_file/);
        assert.match(wrong.hint ?? "", /running services are left as they are/);
        assertNoSecret(
          `${wrong.message}\n${wrong.hint}\n${wrong.stack}`,
          [TOKEN, WRONG_TOKEN],
          "error",
        );
        assertCallsClean(calls, [TOKEN, WRONG_TOKEN]);
        assert.ok(
          server.requests.some((r) => r.authorization !== null && r.user === undefined),
          "the wrong token was sent and refused",
        );

        const none = await hoistError(() => git.fetch(request(url, `${dir}/c2.git`)));
        assert.equal(none.code, "source-failed");
        assert.match(none.message, /could not read Username/, "git does not prompt");
        assert.match(none.hint ?? "", /token_file/);
      });
    } finally {
      await server.stop();
    }
  });
});

Deno.test("token_file with an http:// (or any non-https) URL is refused before git runs", async () => {
  await withTempDir(async (dir) => {
    const tokenFile = `${dir}/token`;
    await Deno.writeTextFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    for (
      const [url, why] of [
        [
          "http://127.0.0.1:9/repo.git",
          /is http:\/\/: the token would cross the network unencrypted/,
        ],
        ["HTTP://127.0.0.1:9/repo.git", /unencrypted/],
        ["git://127.0.0.1:9/repo.git", /is not an https:\/\/ URL/],
        [`${dir}/repo.git`, /is not an https:\/\/ URL/],
      ] as const
    ) {
      const { git, calls } = recordingGit();
      const e = await hoistError(() => git.fetch(request(url, `${dir}/cache.git`, { tokenFile })));
      assert.equal(e.code, "config-invalid", url);
      assert.ok(e.message.startsWith(`token_file is set but ${url} `), e.message);
      assert.match(e.message, why);
      assert.equal(e.hint, "Use the server's https:// URL, or remove token_file");
      assert.deepEqual(calls, [], `${url}: nothing ran`);
    }
  });
});

Deno.test("a redirect to another server is refused: the token never reaches it, the error says why", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/work`, FILES);
    await bareMirror(repo.path, `${dir}/srv/repo.git`);
    const tls = await selfSignedCert();
    // the other server holds the same repository and would accept the token
    const other = startHttpGitServer(`${dir}/srv`, TOKEN, { tls });
    const tokenFile = `${dir}/token`;
    await Deno.writeTextFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    try {
      await withTrustedCert(dir, tls, async () => {
        for (const status of [301, 302, 307] as const) {
          // before any login, and (as a server might after one) only once the token was sent
          for (const afterLogin of [false, true]) {
            const label = `${status}${afterLogin ? " after login" : ""}`;
            const redirector = startRedirectServer(
              `https://127.0.0.1:${other.port}`,
              status,
              tls,
              afterLogin ? TOKEN : undefined,
            );
            try {
              const url = redirector.url("repo.git");
              const { git, calls } = recordingGit();
              const e = await hoistError(() =>
                git.fetch(request(url, `${dir}/c-${label.replace(/\W+/g, "-")}.git`, { tokenFile }))
              );
              assert.equal(e.code, "source-failed", label);
              assert.equal(
                e.message,
                `cannot fetch ${url}: the server answered with a redirect (HTTP ${status}), ` +
                  "and hoist follows no redirects",
                label,
              );
              assert.match(e.hint ?? "", /^Set url to the address it redirects to \(curl -sI '/);
              assert.ok(e.hint?.includes(`${url}/info/refs?service=git-upload-pack`), e.hint);
              assertNoSecret(`${e.message}\n${e.hint}\n${e.stack}`, [TOKEN], label);
              assertCallsClean(calls, [TOKEN]);
              assert.ok(
                redirector.requests.length > 0,
                `${label}: git asked the configured server`,
              );
              assert.ok(
                redirector.requests.some((r) => r.status === status),
                `${label}: ${JSON.stringify(redirector.requests)}`,
              );
            } finally {
              await redirector.stop();
            }
          }
        }
      });
      assert.deepEqual(
        other.requests.filter((r) => r.authorization !== null),
        [],
        "no Authorization header reached the other server",
      );
      assert.deepEqual(other.requests, [], "git never even connected to the other server");
    } finally {
      await other.stop();
    }
  });
});

Deno.test("the token helper answers only git's requests for the configured https host", async () => {
  await withTempDir(async (dir) => {
    const tokenFile = `${dir}/token`;
    await Deno.writeTextFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const { args, env } = fetchCommand(
      request("https://git.example.com:8443/infra.git", `${dir}/cache.git`, { tokenFile }),
      false,
    );
    // the same -c settings, asked the way git asks a helper when it needs credentials
    const config = args.slice(0, args.indexOf("fetch")).slice(2);
    const fill = async (ask: string) => {
      const child = new Deno.Command("git", {
        args: [...config, "credential", "fill"],
        env: { ...env, ...GIT_ENV },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(ask));
      await w.close();
      const out = await child.output();
      return { code: out.code, out: new TextDecoder().decode(out.stdout) };
    };
    const ok = await fill("protocol=https\nhost=git.example.com:8443\npath=infra.git\n\n");
    assert.equal(ok.code, 0);
    assert.match(ok.out, new RegExp(`^username=x-access-token$`, "m"));
    assert.match(ok.out, new RegExp(`^password=${TOKEN}$`, "m"));
    for (
      const ask of [
        "protocol=https\nhost=evil.example.com\n\n",
        "protocol=https\nhost=git.example.com\n\n", // another port
        "protocol=https\nhost=git.example.com:8443.evil.example\n\n",
        "protocol=http\nhost=git.example.com:8443\n\n",
        "protocol=https\n\n",
      ]
    ) {
      const r = await fill(ask);
      assert.notEqual(r.code, 0, JSON.stringify(ask));
      assert.ok(!r.out.includes(TOKEN), `${JSON.stringify(ask)} got the token`);
    }
  });
});

Deno.test("a source URL carrying credentials is rejected by config validation, secret not echoed", () => {
  const ctx = { hostname: "h1", uid: 1000, home: "/home/u", env: {} };
  for (
    const url of [
      "https://user:pw-9f3k2q@git.example.com/x.git",
      "http://user:pw-9f3k2q@127.0.0.1:8080/x.git",
      "ssh://git:pw-9f3k2q@git.example.com/x.git",
    ]
  ) {
    for (const table of ["[source]", '[[sources]]\nname = "main"']) {
      const config = `${table}\nurl = "${url}"\n`;
      let err: unknown;
      try {
        parseConfig(config, "/etc/hoist/config.toml", ctx);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof HoistError, `${url} in ${table} was accepted`);
      assert.equal(err.code, "config-invalid");
      assert.match(
        err.message,
        /^\/etc\/hoist\/config\.toml:\d+: .*url: must not contain credentials/,
      );
      assert.match(err.message, /token_file/);
      assertNoSecret(`${err.message}\n${err.hint}`, ["pw-9f3k2q"], "config error");
    }
  }
});

Deno.test({
  name: "hoist apply over https with token_file; a wrong token fails and leaks nowhere",
  ignore: noQuadlet,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, mirror, srv } = await servedHost(dir);
      const tls = await selfSignedCert();
      const server = startHttpGitServer(srv, TOKEN, { tls });
      try {
        await withTrustedCert(dir, tls, async () => {
          const tokenFile = `${dir}/secrets/token`;
          await Deno.mkdir(`${dir}/secrets`);
          await Deno.writeTextFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
          const url = server.url("repo.git");
          await configureSource(h, url, [`token_file = "${tokenFile}"`]);
          const secrets = [TOKEN, WRONG_TOKEN];

          const ok = await h.cli("apply");
          assert.equal(ok.code, 0, show(ok));
          assert.ok(Object.keys(await h.quadletFiles()).includes("gitops-web.container"));
          assertNoSecret(ok.out + ok.err, secrets, "apply output");

          await Deno.writeTextFile(tokenFile, `${WRONG_TOKEN}\n`);
          await h.repo.commit({ "gitops/demo-host/web/index.html": "<h1>new</h1>\n" });
          await mirror.publish();
          const before = await snapshot(h.quadletDir);
          const bad = await h.cli("apply");
          assert.equal(bad.code, 1, show(bad));
          assert.match(bad.err, new RegExp(`error: cannot fetch ${url}: .*Authentication failed`));
          assert.match(bad.err, /hint: .*token_file/);
          assertNoSecret(bad.out + bad.err, secrets, "failed apply output");
          assert.deepEqual(await snapshot(h.quadletDir), before, "unit files untouched");

          assertCallsClean(h.fake.calls, secrets);
          for (const c of h.fake.calls.filter((c) => c.env?.HOIST_TOKEN_FILE !== undefined)) {
            assert.equal(c.env?.HOIST_TOKEN_FILE, tokenFile);
          }
          const events = dbEvents(h.stateDir);
          assert.deepEqual(events.map((e) => e.kind), ["source-failed"], JSON.stringify(events));
          await assertDirClean(h.stateDir, secrets);

          // hoist's own --verbose logging (configured by main.ts) shows argv, never the token.
          for (const token of [WRONG_TOKEN, TOKEN]) {
            await Deno.writeTextFile(tokenFile, `${token}\n`);
            const v = await runMain("--verbose", "--config", h.configPath, "plan");
            // (main.ts's console sink prints debug lines on stdout, so both streams are checked)
            assert.match(
              v.out + v.err,
              /spawn "git" .*\bfetch --quiet /,
              `verbose logging is on\n${show(v)}`,
            );
            assertNoSecret(v.out + v.err, secrets, `plan --verbose output (token ${token})`);
          }
          await assertDirClean(h.stateDir, secrets);
        });
      } finally {
        await server.stop();
      }
    });
  },
});

Deno.test({
  name: "hoist refuses a config whose source URL carries credentials, without printing them",
  ignore: noQuadlet,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, FILES);
      await configureSource(h, "https://user:pw-9f3k2q@127.0.0.1:9/repo.git");
      const r = await h.cli("apply");
      assert.equal(r.code, 1, show(r));
      assert.match(r.err, /config\.toml:\d+: source\.url: must not contain credentials/);
      assertNoSecret(r.out + r.err, ["pw-9f3k2q"], "output");
      assert.deepEqual(h.fake.calls, [], "nothing was run");
    });
  },
});

// ---------------------------------------------------------------------------------------------
// ssh:// with a deploy key and a pinned host key

/** A served repository, a client key the sshd accepts, and the sshd itself. */
async function sshSetup(dir: string) {
  const repo = await makeRepo(`${dir}/work`, FILES);
  const mirror = await bareMirror(repo.path, `${dir}/srv/repo.git`);
  await Deno.mkdir(`${dir}/sshd`);
  await Deno.mkdir(`${dir}/client`);
  const key = await generateSshKey(`${dir}/client/deploy_key`, "hoist-deploy");
  const sshd: Sshd = await startSshd(`${dir}/sshd`, [key.publicLine]);
  const knownHosts = `${dir}/client/known_hosts`;
  await Deno.writeTextFile(knownHosts, sshd.knownHostsLine + "\n");
  return { repo, mirror, key, sshd, knownHosts, url: sshd.url(mirror.path) };
}

Deno.test({
  name: "ssh fetch with a deploy key and a pinned host key; the key's path only in GIT_SSH_COMMAND",
  ignore: noSshd,
  async fn() {
    await withTempDir(async (dir) => {
      const s = await sshSetup(dir);
      try {
        const { git, calls } = recordingGit();
        const cache = `${dir}/cache.git`;
        const auth = { sshKey: s.key.privatePath, knownHosts: s.knownHosts };
        const tips = await git.fetch(request(s.url, cache, auth)).catch((e) => {
          throw new Error(`${e}\n--- sshd\n${s.sshd.stderr()}`);
        });
        assert.equal(tips.get("main"), await s.repo.head());
        const tree = await git.readTree(cache, tips.get("main")!, "gitops/h1");
        assert.equal(text(tree.entries.get("gitops/h1/web/index.html")), "<h1>v1</h1>\n");
        assert.match(
          s.sshd.stderr(),
          /Accepted publickey for \S+ from 127\.0\.0\.1/,
          "sshd accepted the deploy key",
        );

        const fetch = calls.find((c) => c.args.includes("fetch"))!;
        const sshCommand = fetch.env?.GIT_SSH_COMMAND ?? "";
        assert.ok(sshCommand.includes(`-i '${s.key.privatePath}'`), sshCommand);
        assert.ok(sshCommand.includes("StrictHostKeyChecking=yes"), sshCommand);
        assert.ok(sshCommand.includes(`UserKnownHostsFile='${s.knownHosts}'`), sshCommand);
        for (const c of calls) {
          assert.ok(!c.args.some((a) => a.includes(s.key.privatePath)), `argv: ${c.args}`);
          for (const [k, v] of Object.entries(c.env ?? {})) {
            if (k !== "GIT_SSH_COMMAND") assert.ok(!v.includes(s.key.privatePath), k);
          }
        }
        const keyBody = s.key.privateText.split("\n").filter((l) => l && !l.startsWith("-----"));
        assertCallsClean(calls, keyBody);
      } finally {
        await s.sshd.stop();
      }
    });
  },
});

Deno.test({
  name: "ssh fetch fails source-failed with the auth hint on an unpinned host key or a refused key",
  ignore: noSshd,
  async fn() {
    await withTempDir(async (dir) => {
      const s = await sshSetup(dir);
      try {
        const other = await generateSshKey(`${dir}/client/other_host_key`, "someone-else");
        const stranger = await generateSshKey(`${dir}/client/stranger_key`, "stranger");
        const keyBodies = [s.key, other, stranger].flatMap((k) =>
          k.privateText.split("\n").filter((l) => l && !l.startsWith("-----"))
        );
        const wrongHost = `${dir}/client/known_hosts_other`;
        const otherKey = other.publicLine.split(" ").slice(0, 2).join(" ");
        await Deno.writeTextFile(wrongHost, `[127.0.0.1]:${s.sshd.port} ${otherKey}\n`);
        const empty = `${dir}/client/known_hosts_empty`;
        await Deno.writeTextFile(empty, "");

        const cases = [
          { name: "another host key pinned", sshKey: s.key.privatePath, knownHosts: wrongHost },
          { name: "host not pinned at all", sshKey: s.key.privatePath, knownHosts: empty },
          { name: "key not authorized", sshKey: stranger.privatePath, knownHosts: s.knownHosts },
        ];
        for (const [i, c] of cases.entries()) {
          const { git, calls } = recordingGit();
          const auth = { sshKey: c.sshKey, knownHosts: c.knownHosts };
          const e = await hoistError(() => git.fetch(request(s.url, `${dir}/c${i}.git`, auth)));
          assert.equal(e.code, "source-failed", c.name);
          assert.match(e.message, new RegExp(`^cannot fetch ${s.url}: `), c.name);
          assert.match(e.hint ?? "", /ssh_key \/ ssh_known_hosts/, c.name);
          assertNoSecret(`${e.message}\n${e.hint}`, keyBodies, `${c.name}: error`);
          assertCallsClean(calls, keyBodies);
        }
        assert.doesNotMatch(s.sshd.stderr(), /Accepted publickey/, "nobody got in");
      } finally {
        await s.sshd.stop();
      }
    });
  },
});

Deno.test({
  name: "a failed fetch names git's cause, not its generic footer",
  ignore: noSshd,
  async fn() {
    await withTempDir(async (dir) => {
      const s = await sshSetup(dir);
      try {
        const other = await generateSshKey(`${dir}/client/other_key`, "someone-else");
        const wrongHost = `${dir}/client/known_hosts_other`;
        const otherKey = other.publicLine.split(" ").slice(0, 2).join(" ");
        await Deno.writeTextFile(wrongHost, `[127.0.0.1]:${s.sshd.port} ${otherKey}\n`);
        const { git } = recordingGit();
        const cases: [FetchRequest, RegExp][] = [
          [
            request(s.url, `${dir}/c1.git`, { sshKey: s.key.privatePath, knownHosts: wrongHost }),
            /Host key verification failed/,
          ],
          [
            request(s.url, `${dir}/c2.git`, {
              sshKey: other.privatePath,
              knownHosts: s.knownHosts,
            }),
            /Permission denied \(publickey\)/,
          ],
          [request(`${dir}/missing`, `${dir}/c3.git`), /does not appear to be a git repository/],
        ];
        for (const [req, cause] of cases) {
          const e = await hoistError(() => git.fetch(req));
          assert.match(e.message, cause);
        }
      } finally {
        await s.sshd.stop();
      }
    });
  },
});

Deno.test({
  name: "hoist apply over ssh with ssh_key and ssh_known_hosts from the config",
  ignore: noSshd || noQuadlet,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, mirror } = await servedHost(dir);
      await Deno.mkdir(`${dir}/sshd`);
      const key = await generateSshKey(`${dir}/deploy_key`, "hoist-deploy");
      const sshd = await startSshd(`${dir}/sshd`, [key.publicLine]);
      try {
        const knownHosts = `${dir}/known_hosts`;
        await Deno.writeTextFile(knownHosts, sshd.knownHostsLine + "\n");
        await configureSource(h, sshd.url(mirror.path), [
          `ssh_key = "${key.privatePath}"`,
          `ssh_known_hosts = "${knownHosts}"`,
        ]);
        const r = await h.cli("apply");
        assert.equal(r.code, 0, `${show(r)}\n--- sshd\n${sshd.stderr()}`);
        assert.ok(Object.keys(await h.quadletFiles()).includes("gitops-web.container"));
        const keyBody = key.privateText.split("\n").filter((l) => l && !l.startsWith("-----"));
        assertCallsClean(h.fake.calls, keyBody);
        assertNoSecret(r.out + r.err, keyBody, "output");
        await assertDirClean(h.stateDir, keyBody);
      } finally {
        await sshd.stop();
      }
    });
  },
});

// ---------------------------------------------------------------------------------------------
// Unreachable remote

Deno.test({
  name:
    "an unreachable remote fails the apply, leaves the services alone, records the event, retries",
  ignore: noQuadlet,
  async fn() {
    await withTempDir(async (dir) => {
      const { h, mirror, srv } = await servedHost(dir);
      const port = await reservePort(); // kept while the daemon is down, so nobody takes it
      let daemon = await startGitDaemon(srv, port);
      try {
        const url = daemon.url("repo.git");
        await configureSource(h, url);
        const first = await h.cli("apply");
        assert.equal(first.code, 0, show(first));
        const units = await snapshot(h.quadletDir);
        const containers = h.fake.containers();
        h.fake.clear();

        await daemon.stop();
        await h.repo.commit({ "gitops/demo-host/web/index.html": "<h1>new</h1>\n" });
        await mirror.publish();
        const down = await h.cli("apply");
        assert.equal(down.code, 1, show(down));
        assert.match(down.err, new RegExp(`error: cannot fetch ${url}: .*unable to connect`));
        assert.match(down.err, /hint: Check the url and that this host can reach it/);
        assert.match(down.err, /running services are left as they are/);
        assert.deepEqual(await snapshot(h.quadletDir), units, "unit files byte-identical");
        assert.equal(
          h.fake.events.length,
          0,
          `systemd was asked nothing (no stop, no reload): ${JSON.stringify(h.fake.events)}`,
        );
        // the container listing starts with the fetch (it needs nothing from it); nothing else runs
        assert.deepEqual(h.fake.commands(), ["podman ps", "git fetch"], "only the fetch ran");
        assert.deepEqual(h.fake.containers(), containers, "the same containers still run");
        const events = dbEvents(h.stateDir);
        assert.equal(events.length, 1, JSON.stringify(events));
        assert.equal(events[0]!.kind, "source-failed");
        assert.match(events[0]!.message, new RegExp(`cannot fetch ${url}`));

        // The next run retries: once the server is back, the new commit is deployed.
        daemon = await startGitDaemon(srv, port);
        const back = await h.cli("apply");
        assert.equal(back.code, 0, show(back));
        assert.ok(h.fake.events.some((e) => e.op === "restart" || e.op === "start"), show(back));
      } finally {
        await daemon.stop();
        await port.release();
      }
    });
  },
});
