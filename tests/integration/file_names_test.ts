/**
 * What hoist reads from a repository is bounded and its names are exact (issue 9, class 8):
 * file names that are not UTF-8 are an error naming them (two of them used to collapse into one
 * deployed file), in a commit (`git archive`, read by parseTar) and in a checkout (`validate`);
 * `validate` refuses a checkout larger than plan's cap before reading it. Real git; names with
 * raw bytes are made with git's plumbing (`mktree -z` takes them as they are) and the shell.
 *
 * @module
 */
import assert from "node:assert/strict";
import { MAX_TREE_BYTES } from "../../lib/adapters/git.ts";
import { readDirTree } from "../../lib/adapters/read_dir_tree.ts";
import { firstNonUtf8Name, parseTar } from "../../lib/adapters/tar.ts";
import { HoistError } from "../../lib/errors.ts";
import {
  EXAMPLE_HOST,
  exampleFiles,
  makeHost,
  show,
  skipWithoutQuadlet,
  withTempDir,
} from "./helpers.ts";

const ignore = skipWithoutQuadlet();
const enc = new TextEncoder();
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => typeof p === "string" ? [...enc.encode(p)] : p));

/** Runs git in `cwd` with `stdin`; returns stdout as bytes. */
async function gitRaw(cwd: string, args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command("git", {
    args: ["-C", cwd, ...args],
    env: { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" },
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return out.stdout;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();

/** A tree of `entries` (name bytes → blob or tree id), written with `git mktree -z`. */
async function mktree(
  repo: string,
  entries: readonly { readonly name: Uint8Array; readonly id: string; readonly tree?: boolean }[],
): Promise<string> {
  const input = entries.map((e) =>
    bytes(`${e.tree ? "040000 tree" : "100644 blob"} ${e.id}\t`, [...e.name], [0])
  );
  return text(await gitRaw(repo, ["mktree", "-z"], bytes(...input.map((b) => [...b]))));
}

const blob = async (repo: string, content: string) =>
  text(await gitRaw(repo, ["hash-object", "-w", "--stdin"], enc.encode(content)));

/**
 * Commits onto main of `repo` a tree whose `dir` (a path of UTF-8 folders) gains files with the
 * given raw names, keeping everything else of HEAD.
 */
async function commitRawNames(
  repo: string,
  dir: string,
  names: readonly Uint8Array[],
): Promise<string> {
  const parts = dir.split("/");
  const subtree = async (depth: number, treeish: string): Promise<string> => {
    // records `<mode> <type> <id>\t<name bytes>\0`, names kept as raw bytes
    const raw = await gitRaw(repo, ["ls-tree", "-z", treeish]);
    const entries: { name: Uint8Array; id: string; tree: boolean }[] = [];
    for (let at = 0; at < raw.length;) {
      const end = raw.indexOf(0, at);
      const record = raw.subarray(at, end < 0 ? raw.length : end);
      const tab = record.indexOf(0x09);
      const [, type, id = ""] = new TextDecoder().decode(record.subarray(0, tab)).split(" ");
      entries.push({ name: record.slice(tab + 1), id, tree: type === "tree" });
      at = end < 0 ? raw.length : end + 1;
    }
    if (depth === parts.length) {
      for (const name of names) entries.push({ name, id: await blob(repo, "x\n"), tree: false });
      return await mktree(repo, entries);
    }
    const part = parts[depth] ?? "";
    const at = entries.findIndex((e) => new TextDecoder().decode(e.name) === part);
    const child = at >= 0 ? entries[at] : undefined;
    const id = await subtree(depth + 1, child ? child.id : await mktree(repo, []));
    const entry = { name: enc.encode(part), id, tree: true };
    if (at >= 0) entries[at] = entry;
    else entries.push(entry);
    return await mktree(repo, entries);
  };
  const tree = await subtree(0, "HEAD^{tree}");
  const commit = text(
    await gitRaw(repo, [
      "-c",
      "user.name=hoist tests",
      "-c",
      "user.email=tests@example.invalid",
      "commit-tree",
      tree,
      "-p",
      "HEAD",
      "-m",
      "raw names",
    ]),
  );
  await gitRaw(repo, ["update-ref", "refs/heads/main", commit]);
  return commit;
}

const latin1 = (s: string) => bytes(...[...s].map((c) => [c.charCodeAt(0)]));

Deno.test("parseTar() refuses a name that is not UTF-8, naming it with the bad bytes as \\xNN", async () => {
  await withTempDir(async (dir) => {
    await gitRaw(dir, ["init", "--quiet", "-b", "main"]);
    const root = await mktree(dir, [{ name: enc.encode("README"), id: await blob(dir, "r\n") }]);
    await gitRaw(dir, [
      "update-ref",
      "refs/heads/main",
      text(
        await gitRaw(dir, [
          "-c",
          "user.name=t",
          "-c",
          "user.email=t@x",
          "commit-tree",
          root,
          "-m",
          "init",
        ]),
      ),
    ]);
    const long = `${"deep/".repeat(30)}`; // past ustar's 100 + 155 bytes: a pax path record
    // git sorts a tree's names by their bytes: the first bad one is named
    const cases = [
      { dir: "a", names: [latin1("caf\xe9.txt"), latin1("caf\xe8.txt")], shown: "a/caf\\xe8.txt" },
      {
        dir: "b",
        names: [bytes("ok-", [0xc3, 0xa9], "-", [0xff, 0xfe], ".txt")],
        shown: "b/ok-é-\\xff\\xfe.txt",
      },
      { dir: `${long}c`, names: [latin1("\xe9")], shown: `${long}c/\\xe9` },
    ];
    for (const c of cases) {
      const commit = await commitRawNames(dir, c.dir, c.names);
      const tar = await gitRaw(dir, ["archive", "--format=tar", commit, c.dir]);
      assert.equal(firstNonUtf8Name(tar), c.shown);
      await assert.rejects(() => parseTar(tar), (e: unknown) => {
        assert.ok(e instanceof HoistError, String(e));
        assert.equal(e.code, "source-failed");
        assert.equal(
          e.message,
          `${c.shown}: the file name is not valid UTF-8 (each bad byte shown as \\xNN)`,
        );
        assert.match(e.hint ?? "", /Rename it to UTF-8/);
        return true;
      }, c.dir);
    }
    // a name that really holds U+FFFD is UTF-8, and kept
    const commit = await commitRawNames(dir, "d", [enc.encode("repl-\uFFFD.txt")]);
    const tar = await gitRaw(dir, ["archive", "--format=tar", commit, "d"]);
    assert.equal(firstNonUtf8Name(tar), undefined);
    assert.ok((await parseTar(tar)).has("d/repl-\uFFFD.txt"));
  });
});

Deno.test({
  name: "plan refuses a commit with a file name that is not UTF-8, naming the file",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const h = await makeHost(dir, await exampleFiles());
      await commitRawNames(h.repo.path, `gitops/${EXAMPLE_HOST}/web`, [
        latin1("caf\xe9.html"),
        latin1("caf\xe8.html"),
      ]);
      const r = await h.cli("plan");
      assert.equal(r.code, 1, show(r));
      assert.match(
        r.err,
        new RegExp(
          `^error: gitops/${EXAMPLE_HOST}/web/caf\\\\xe8\\.html: the file name is not valid UTF-8 .*\n  hint: Rename it to UTF-8`,
        ),
      );
    });
  },
});

/** Makes a file named with raw bytes (the shell's printf), which Deno's string paths cannot. */
async function touchRaw(dir: string, printfName: string): Promise<void> {
  const out = await new Deno.Command("sh", {
    args: ["-c", `cd "$1" && touch "$(printf "$2")"`, "sh", dir, printfName],
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

Deno.test("readDirTree() refuses a file name that is not UTF-8 and a folder larger than its cap", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/a/b`, { recursive: true });
    await Deno.writeTextFile(`${dir}/a/b/ok.txt`, "x".repeat(1000));
    assert.ok((await readDirTree(dir)).entries.has("a/b/ok.txt"));
    // 1000 bytes take 2 blocks, 3 headers: 2560 bytes as git archive streams them
    assert.ok(await readDirTree(dir, "t", 2560));
    await assert.rejects(
      () => readDirTree(dir, "t", 2559),
      new RegExp(`^HoistError: ${dir} is larger than `),
    );
    await touchRaw(`${dir}/a/b`, "caf\\351.txt");
    await assert.rejects(() => readDirTree(dir), (e: unknown) => {
      assert.ok(e instanceof HoistError);
      assert.match(e.message, /a\/b\/caf\uFFFD\.txt: the file name is not valid UTF-8/);
      return true;
    });
  });
});

Deno.test("validate refuses a checkout larger than plan's cap, before reading it", async () => {
  await withTempDir(async (dir) => {
    const h = await makeHost(dir, await exampleFiles());
    // sparse files: their size counts, nothing is read or written
    const size = Math.ceil(MAX_TREE_BYTES / 3);
    for (const name of ["a", "b", "c"]) {
      const f = await Deno.open(`${h.repo.path}/${name}.bin`, { write: true, create: true });
      await f.truncate(size);
      f.close();
    }
    const r = await h.cli("validate", h.repo.path);
    assert.equal(r.code, 1, show(r));
    assert.match(r.err, new RegExp(`is larger than ${MAX_TREE_BYTES / 1024 / 1024} MiB`));
    assert.doesNotMatch(r.err, /Uncaught|^\s+at /m);
  });
});
