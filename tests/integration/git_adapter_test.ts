/**
 * The git adapter against real git: fetching into a bare cache and reading a commit's folder.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import {
  createGit,
  FETCH_TIMEOUT_MS,
  type Git,
  LOCAL_TIMEOUT_MS,
  parseFetchHead,
} from "../../lib/adapters/git.ts";
import { CommandTimeout, createRunner, KILL_GRACE_MS } from "../../lib/adapters/run_command.ts";
import { parseTar } from "../../lib/adapters/tar.ts";
import type { RepoEntry } from "../../lib/types/repo_tree.ts";
import { HoistError } from "../../lib/errors.ts";
import { countingRunner } from "../support/counting_runner.ts";
import { git, makeRepo, withTempDir } from "./helpers.ts";
import { startSilentServer } from "./servers.ts";

const gitAdapter = () => createGit(createRunner(), createFs());
/** Fetches one branch (shallow, no credentials) and returns its commit. */
const fetchBranch = (g: Git, url: string, branch: string, cacheDir: string) =>
  g.fetch({ url, branches: [branch], cacheDir, shallow: true, auth: {} }).then((m) =>
    m.get(branch)!
  );
const text = (e: RepoEntry | undefined) =>
  e?.kind === "file" ? new TextDecoder().decode(e.data) : `(${e?.kind ?? "absent"})`;

/** A folder name that makes the path under the host folder longer than tar's 100-byte field. */
const LONG = "a-rather-long-folder-name-that-keeps-going-and-going";
const DEEP = `gitops/h1/web/${LONG}/${LONG}/nested-config-file.conf`;

async function sampleRepo(dir: string) {
  return await makeRepo(`${dir}/repo`, {
    "gitops/h1/config.yml": "services:\n  web: {}\n",
    "gitops/h1/web/manifest.yml": "Container:\n  Image: docker.io/library/busybox:1.36\n",
    "gitops/h1/web/index.html": "<h1>v1</h1>\n",
    "gitops/h1/web/link.html": { symlink: "index.html" },
    [DEEP]: "deep = true\n",
    "gitops/h2/config.yml": "services: {}\n",
    "README.md": "not part of any host\n",
  });
}

Deno.test("git fetch copies a branch into a bare cache and returns its commit id", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const cache = `${dir}/cache.git`;
    const commit = await fetchBranch(gitAdapter(), repo.path, "main", cache);
    assert.equal(commit, await repo.head());
    assert.equal((await git(cache, "rev-parse", "--is-bare-repository")).trim(), "true");
    assert.equal((await git(cache, "cat-file", "-t", commit)).trim(), "commit");
  });
});

Deno.test("git fetch into an existing cache picks up the new commit", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const cache = `${dir}/cache.git`;
    const g = gitAdapter();
    const first = await fetchBranch(g, repo.path, "main", cache);
    const second = await repo.commit({ "gitops/h1/web/index.html": "<h1>v2</h1>\n" });
    assert.notEqual(first, second);
    assert.equal(await fetchBranch(g, repo.path, "main", cache), second);
    const tree = await g.readTree(cache, second, "gitops/h1");
    assert.equal(text(tree.entries.get("gitops/h1/web/index.html")), "<h1>v2</h1>\n");
  });
});

Deno.test("readTree returns the host folder's files, folders and symlinks, nothing else", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const cache = `${dir}/cache.git`;
    const g = gitAdapter();
    const commit = await fetchBranch(g, repo.path, "main", cache);
    const tree = await g.readTree(cache, commit, "gitops/h1");
    assert.equal(tree.revision, commit);
    assert.equal(text(tree.entries.get("gitops/h1/config.yml")), "services:\n  web: {}\n");
    assert.equal(text(tree.entries.get("gitops/h1/web/index.html")), "<h1>v1</h1>\n");
    assert.deepEqual(tree.entries.get("gitops/h1/web/link.html"), {
      kind: "symlink",
      target: "index.html",
    });
    assert.deepEqual(tree.entries.get("gitops/h1/web"), { kind: "dir" });
    const outside = [...tree.entries].filter(([p]) =>
      p !== "gitops/h1" && !p.startsWith("gitops/h1/")
    );
    assert.deepEqual(outside, [["gitops", { kind: "dir" }]], "only the host folder and its parent");
    assert.ok(![...tree.entries.keys()].some((p) => p.endsWith("/")), "no trailing slashes");
  });
});

Deno.test("readTree keeps paths longer than 100 characters whole", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const cache = `${dir}/cache.git`;
    const g = gitAdapter();
    const commit = await fetchBranch(g, repo.path, "main", cache);
    assert.ok(DEEP.length > 100, `test path is ${DEEP.length} characters`);
    const tree = await g.readTree(cache, commit, "gitops/h1");
    assert.equal(text(tree.entries.get(DEEP)), "deep = true\n");
    assert.deepEqual(tree.entries.get(`gitops/h1/web/${LONG}/${LONG}`), { kind: "dir" });
  });
});

Deno.test("readTree of the whole repository and of a missing folder", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const cache = `${dir}/cache.git`;
    const g = gitAdapter();
    const commit = await fetchBranch(g, repo.path, "main", cache);
    const all = await g.readTree(cache, commit, "");
    assert.equal(text(all.entries.get("README.md")), "not part of any host\n");
    assert.equal(text(all.entries.get("gitops/h2/config.yml")), "services: {}\n");
    const none = await g.readTree(cache, commit, "gitops/nope");
    assert.equal(none.entries.size, 0);
    assert.deepEqual((await g.listDirs(cache, commit, "gitops")).sort(), ["h1", "h2"]);
  });
});

Deno.test("what is read is the commit, not a working tree edited after it", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    await Deno.writeTextFile(`${repo.path}/gitops/h1/web/index.html`, "<h1>uncommitted</h1>\n");
    await Deno.writeTextFile(`${repo.path}/gitops/h1/web/extra.txt`, "untracked\n");
    await git(repo.path, "add", "gitops/h1/web/extra.txt"); // staged, still not committed
    const cache = `${dir}/cache.git`;
    const g = gitAdapter();
    const commit = await fetchBranch(g, repo.path, "main", cache);
    const tree = await g.readTree(cache, commit, "gitops/h1");
    assert.equal(text(tree.entries.get("gitops/h1/web/index.html")), "<h1>v1</h1>\n");
    assert.equal(tree.entries.has("gitops/h1/web/extra.txt"), false);
  });
});

Deno.test("fetching a branch that does not exist fails with source-failed naming the branch", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const err = await fetchBranch(gitAdapter(), repo.path, "release-7", `${dir}/cache.git`).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof HoistError, `expected a HoistError, got ${err}`);
    assert.equal(err.code, "source-failed");
    assert.match(err.message, /release-7/);
    assert.match(err.hint ?? "", /branch/);
  });
});

Deno.test("fetching from an unreachable URL fails with source-failed naming the URL", async () => {
  await withTempDir(async (dir) => {
    for (const url of [`${dir}/no-such-repo`, "http://127.0.0.1:9/gitops.git"]) {
      const err = await fetchBranch(gitAdapter(), url, "main", `${dir}/cache.git`).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof HoistError, `${url}: expected a HoistError, got ${err}`);
      assert.equal(err.code, "source-failed", url);
      assert.ok(err.message.includes(url), `${url}: ${err.message}`);
      assert.ok(err.hint, "a hint says what to check");
    }
  });
});

Deno.test("parseFetchHead reads the commit id of a real FETCH_HEAD and rejects junk", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const cache = `${dir}/cache.git`;
    const commit = await fetchBranch(gitAdapter(), repo.path, "main", cache);
    const fetchHead = await Deno.readTextFile(`${cache}/FETCH_HEAD`);
    assert.equal(parseFetchHead(fetchHead).get("main"), commit);
  });
  const sha = "0123456789abcdef0123456789abcdef01234567";
  assert.equal(parseFetchHead(`${sha}\t\tbranch 'main' of /srv/gitops\n`).get("main"), sha);
  const sha256 = "ab".repeat(32);
  assert.equal(parseFetchHead(`${sha256}\t\tbranch 'main' of x\n`).get("main"), sha256);
  assert.equal(parseFetchHead("").size, 0);
  assert.equal(parseFetchHead("not a sha\n").size, 0);
  assert.equal(parseFetchHead(`${sha.slice(0, 39)}\t\tshort\n`).size, 0);
});

Deno.test("readTree returns the committed bytes whatever .gitattributes or a tampered cache say", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/repo`, {
      "gitops/h1/.gitattributes":
        "manifest.yml export-ignore\nindex.html export-subst ident\nconf.txt filter=evil text eol=crlf\n",
      "gitops/h1/web/manifest.yml": "Container:\n  Image: docker.io/library/busybox:1.36\n",
      "gitops/h1/web/index.html": "$Format:%H$ $Id$\n",
      "gitops/h1/web/conf.txt": "a\nb\n",
    });
    const g = gitAdapter();
    const cache = `${dir}/cache.git`;
    const commit = await fetchBranch(g, repo.path, "main", cache);
    // someone with access to the cache defines the filter driver the attributes name
    await git(cache, "config", "filter.evil.smudge", "sed s/a/EVIL/");
    const tree = await g.readTree(cache, commit, "gitops/h1");
    assert.equal(
      text(tree.entries.get("gitops/h1/web/manifest.yml")),
      "Container:\n  Image: docker.io/library/busybox:1.36\n",
    );
    assert.equal(text(tree.entries.get("gitops/h1/web/index.html")), "$Format:%H$ $Id$\n");
    assert.equal(text(tree.entries.get("gitops/h1/web/conf.txt")), "a\nb\n");
  });
});

Deno.test("every git command the adapter runs has a timeout: fetch 60 s by default, local work 120 s", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const { run, calls } = countingRunner(createRunner());
    const g = createGit(run, createFs());
    const cache = `${dir}/cache.git`;
    const first = await g.fetch({
      url: repo.path,
      branches: ["main"],
      cacheDir: cache,
      shallow: false,
      auth: {},
    });
    const c1 = first.get("main")!;
    const c2 = await repo.commit({ "gitops/h1/web/index.html": "<h1>v2</h1>\n" });
    await g.fetch({
      url: repo.path,
      branches: ["main"],
      cacheDir: cache,
      shallow: false,
      auth: {},
      timeoutMs: 5_000,
    });
    await g.readTree(cache, c2, "gitops/h1");
    await g.listDirs(cache, c2, "gitops");
    assert.ok(await g.isAncestor(cache, c1, c2));
    assert.deepEqual(await g.newCommits(cache, c1, c2), [c2]);
    const seen = calls.map((c) => {
      const sub = c.args.find((a, i) =>
        !a.startsWith("-") && !["-C", "-c"].includes(c.args[i - 1]!)
      );
      return `${sub} ${c.timeoutMs}`;
    });
    assert.deepEqual(seen, [
      `init ${LOCAL_TIMEOUT_MS}`,
      `fetch ${FETCH_TIMEOUT_MS}`,
      "fetch 5000",
      `archive ${LOCAL_TIMEOUT_MS}`,
      `ls-tree ${LOCAL_TIMEOUT_MS}`,
      `merge-base ${LOCAL_TIMEOUT_MS}`,
      `rev-list ${LOCAL_TIMEOUT_MS}`,
    ]);
  });
});

Deno.test("a server that accepts the connection and never answers fails the fetch at its timeout", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const server = startSilentServer();
    try {
      // git:// is spoken by git fetch itself; http:// by the git remote-http it starts
      for (
        const url of [
          `git://127.0.0.1:${server.port}/repo.git`,
          `http://127.0.0.1:${server.port}/repo.git`,
        ]
      ) {
        const cache = `${dir}/cache-${url.slice(0, 4)}.git`;
        const accepted = server.accepted();
        const started = Date.now();
        const err = await gitAdapter().fetch({
          url,
          branches: ["main"],
          cacheDir: cache,
          shallow: true,
          auth: {},
          timeoutMs: 1_500,
        }).then(() => undefined, (e: unknown) => e);
        const took = Date.now() - started;
        assert.ok(err instanceof HoistError, `${url}: expected a HoistError, got ${err}`);
        assert.equal(err.code, "source-failed");
        assert.equal(err.message, `cannot fetch ${url}: no answer within 1.5 s; stopped git fetch`);
        assert.match(err.hint ?? "", /reach the server.*running services are left as they are/);
        assert.ok(err.cause instanceof CommandTimeout, String(err.cause));
        assert.equal(err.cause.message, "git fetch timed out after 1.5 s; stopped it");
        assert.ok(took >= 1_500 && took < 1_500 + KILL_GRACE_MS + 1_500, `${url}: ${took} ms`);
        assert.ok(server.accepted() > accepted, `${url}: git connected to the silent server`);
        for (let i = 0; i < 40 && server.open() > 0; i++) {
          await new Promise((r) => setTimeout(r, 25));
        }
        assert.equal(server.open(), 0, `${url}: whatever held the connection was stopped`);
        // the stopped fetch left no lock behind: the same cache fetches from a good source
        const tips = await gitAdapter().fetch({
          url: repo.path,
          branches: ["main"],
          cacheDir: cache,
          shallow: true,
          auth: {},
        });
        assert.equal(tips.get("main"), await repo.head(), url);
      }
    } finally {
      await server.stop();
    }
  });
});

/** What `git archive --format=tar <commit> [-- path]` prints, as bytes. */
async function archive(repo: string, path?: string): Promise<Uint8Array> {
  const out = await new Deno.Command("git", {
    args: ["-C", repo, "archive", "--format=tar", "HEAD", ...(path ? ["--", path] : [])],
    env: { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return out.stdout;
}

Deno.test("readTree returns each file's exact bytes: binary, NUL, CRLF, no final newline, empty", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/repo`, { "gitops/h1/config.yml": "services: {}\n" });
    const all = Uint8Array.from({ length: 256 * 3 }, (_, i) => (i * 7) % 256);
    const files: Record<string, Uint8Array> = {
      "gitops/h1/web/blob.bin": all,
      "gitops/h1/web/crlf.txt": new TextEncoder().encode("a\r\nb\r\n\0tail"),
      "gitops/h1/web/empty": new Uint8Array(0),
      "gitops/h1/web/exactly-512.bin": new Uint8Array(512).fill(0x5a),
      "gitops/h1/web/ünïcødé ✓.txt": new TextEncoder().encode("ok"),
    };
    for (const [path, data] of Object.entries(files)) {
      await Deno.mkdir(`${repo.path}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
      await Deno.writeFile(`${repo.path}/${path}`, data);
    }
    const commit = await repo.commit({});
    const g = gitAdapter();
    const cache = `${dir}/cache.git`;
    assert.equal(await fetchBranch(g, repo.path, "main", cache), commit);
    const tree = await g.readTree(cache, commit, "gitops/h1");
    for (const [path, data] of Object.entries(files)) {
      assert.deepEqual(tree.entries.get(path), { kind: "file", data }, path);
    }
  });
});

Deno.test("readTree keeps paths past 255 bytes (a pax path) and long symlink targets whole", async () => {
  await withTempDir(async (dir) => {
    const longest = `gitops/h1/web/${LONG}/${LONG}/${LONG}/${LONG}/${LONG}/file.conf`;
    const target = `${LONG}/${LONG}/${LONG}/index.html`;
    const repo = await makeRepo(`${dir}/repo`, {
      [longest]: "far = true\n",
      "gitops/h1/web/far-link": { symlink: target },
    });
    assert.ok(longest.length > 255 && target.length > 100);
    const g = gitAdapter();
    const cache = `${dir}/cache.git`;
    const commit = await fetchBranch(g, repo.path, "main", cache);
    const tree = await g.readTree(cache, commit, "gitops/h1");
    assert.equal(text(tree.entries.get(longest)), "far = true\n");
    assert.deepEqual(tree.entries.get("gitops/h1/web/far-link"), { kind: "symlink", target });
  });
});

Deno.test("parseTar records files over the cap as too-large with their size, in archive order", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/repo`, {
      "gitops/h1/a-small.txt": "small\n",
      "gitops/h1/b-big.txt": "x".repeat(5000),
      "gitops/h1/c-link": { symlink: "b-big.txt" },
      "gitops/h1/d-edge.txt": "y".repeat(1000),
    });
    const tar = await archive(repo.path, "gitops/h1");
    const entries = await parseTar(tar, 1000);
    assert.deepEqual([...entries].map(([p, e]) => [p, e.kind === "file" ? e.data.length : e]), [
      ["gitops", { kind: "dir" }],
      ["gitops/h1", { kind: "dir" }],
      ["gitops/h1/a-small.txt", 6],
      ["gitops/h1/b-big.txt", { kind: "too-large", size: 5000 }],
      ["gitops/h1/c-link", { kind: "symlink", target: "b-big.txt" }],
      ["gitops/h1/d-edge.txt", 1000],
    ]);
    const whole = await parseTar(tar);
    assert.equal(text(whole.get("gitops/h1/b-big.txt")), "x".repeat(5000));
  });
});

Deno.test("parseTar rejects a truncated or corrupted archive instead of returning part of it", async () => {
  await withTempDir(async (dir) => {
    const repo = await sampleRepo(dir);
    const tar = await archive(repo.path);
    assert.ok((await parseTar(tar)).size > 5);
    const truncated = tar.slice(0, 2048 + 100);
    await assert.rejects(() => parseTar(truncated), /truncated/);
    const corrupt = tar.slice();
    corrupt[1024 + 10] = corrupt[1024 + 10]! ^ 0x20; // a name byte of the second header
    await assert.rejects(() => parseTar(corrupt), /checksum/);
  });
});
