import assert from "node:assert/strict";
import {
  collectFiles,
  decodeText,
  hasDir,
  MAX_TEXT_BYTES,
  pathsUnder,
  readRepoFile,
  readText,
} from "../../lib/desired/repo_files.ts";
import { repoTree } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const tree = repoTree({
  "r/svc/a.txt": "a\n",
  "r/svc/sub/b.txt": "b\n",
  "r/svc/link1": { symlink: "link2" },
  "r/svc/link2": { symlink: "sub/b.txt" },
  "r/svc/out": { symlink: "../other.txt" },
  "r/svcx/c.txt": "c\n",
  "r/other.txt": "o\n",
});

Deno.test({
  name: "pathsUnder() and hasDir() stay inside the folder, not its name-prefixed siblings",
  permissions: PURE,
  fn() {
    assert.deepEqual(pathsUnder(tree, "r/svc"), [
      "r/svc/a.txt",
      "r/svc/link1",
      "r/svc/link2",
      "r/svc/out",
      "r/svc/sub",
      "r/svc/sub/b.txt",
    ]);
    assert.equal(hasDir(tree, "r/svc"), true);
    assert.equal(hasDir(tree, "r/sv"), false);
    assert.equal(hasDir(tree, "r/svc/a.txt"), false);
  },
});

Deno.test({
  name: "readRepoFile() follows a chain of symlinks inside the boundary",
  permissions: PURE,
  fn() {
    const read = readRepoFile(tree, "r/svc/link1", "r/svc", "svc");
    assert.ok(read.ok, JSON.stringify(read));
    assert.equal(new TextDecoder().decode(read.data), "b\n");
  },
});

Deno.test({
  name: "readRepoFile() refuses a symlink leaving the boundary even when the target exists",
  permissions: PURE,
  fn() {
    const read = readRepoFile(tree, "r/svc/out", "r/svc", "svc");
    assert.ok(!read.ok, "no data");
    assert.equal(read.problem.file, "r/svc/out");
    assert.equal(read.problem.message, "symlink points outside r/svc/ (../other.txt)");
    assert.ok(
      readRepoFile(tree, "r/svc/out", "r").ok,
      "the same link is fine for a wider boundary",
    );
  },
});

Deno.test({
  name: "decodeText() accepts UTF-8 up to MAX_TEXT_BYTES and refuses NUL, bad bytes and more",
  permissions: PURE,
  fn() {
    const problemOf = (data: Uint8Array) => {
      const decoded = decodeText(data, "f");
      return decoded.ok ? undefined : decoded.problem;
    };
    assert.deepEqual(decodeText(new TextEncoder().encode("héllo ✓"), "f"), {
      ok: true,
      text: "héllo ✓",
    });
    assert.equal(problemOf(new Uint8Array(MAX_TEXT_BYTES).fill(0x20)), undefined);
    assert.match(
      problemOf(new Uint8Array(MAX_TEXT_BYTES + 1).fill(0x20))?.message ?? "",
      /too large to parse/,
    );
    assert.equal(problemOf(new Uint8Array([0x61, 0]))?.message, "file is not UTF-8 text");
    assert.equal(problemOf(new Uint8Array([0xc3, 0x28]))?.message, "file is not UTF-8 text");
  },
});

Deno.test({
  name:
    "collectFiles() returns relative paths with digests, skipping folders and what skip accepts",
  permissions: PURE,
  fn() {
    const { files, problems } = collectFiles(
      repoTree({
        "h/keep.txt": "k\n",
        "h/skip.txt": "s\n",
        "h/sub/deep.txt": "d\n",
      }),
      "h",
      (rel) => rel === "skip.txt",
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(files.map((f) => f.path), ["keep.txt", "sub/deep.txt"]);
    assert.match(files[0]!.digest, /^[0-9a-f]{64}$/);
  },
});

Deno.test({
  name: "readText() gives the text, or the one problem of reading or of decoding",
  permissions: PURE,
  fn() {
    const t = repoTree({
      "r/svc/a.txt": "a\n",
      "r/svc/bin": new Uint8Array([0xc3, 0x28]),
      "r/svc/out": { symlink: "../other.txt" },
    });
    assert.deepEqual(readText(t, "r/svc/a.txt", "r/svc"), { ok: true, text: "a\n" });
    assert.deepEqual(readText(t, "r/svc/bin", "r/svc", "svc"), {
      ok: false,
      problem: {
        level: "error",
        file: "r/svc/bin",
        message: "file is not UTF-8 text",
        service: "svc",
      },
    });
    const out = readText(t, "r/svc/out", "r/svc", "svc");
    assert.ok(!out.ok);
    assert.equal(out.problem.message, "symlink points outside r/svc/ (../other.txt)");
  },
});
