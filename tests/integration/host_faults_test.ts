/**
 * A broken host gives one clear error, never a crash (issue 9 class 7, issue 10's DB faults): the
 * real entry point `deno run -A main.ts` as a subprocess, against a state_dir, lock, trust folder,
 * state.db or config that is not what hoist needs, and a state file system that is full (a small
 * tmpfs, when this runs as root). Every run stops before a unit is written, so the host's podman
 * and systemd (if any) are at most read.
 *
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { makeRepo, ROOT, type TestRepo, withTempDir } from "./helpers.ts";

interface Proc {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

const show = (r: Proc) => `exit ${r.code}\n--- stdout\n${r.out}\n--- stderr\n${r.err}`;

/** Runs `deno run -A main.ts ...args` in the repository root with a minimal environment. */
async function hoist(...args: string[]): Promise<Proc> {
  const keep = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"];
  const env = Object.fromEntries(keep.flatMap((k) => {
    const v = Deno.env.get(k);
    return v === undefined ? [] : [[k, v]];
  }));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", ...args],
    cwd: ROOT,
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

/**
 * Exit 1 and exactly one `error:` line on stderr matching `message` (its hint, when given, on the
 * next line matching `hint`); no stack trace, no `Uncaught`.
 */
function assertOneError(r: Proc, message: RegExp, hint?: RegExp): void {
  assert.equal(r.code, 1, show(r));
  assert.doesNotMatch(r.err, /Uncaught|^\s+at /m, show(r));
  const lines = r.err.split("\n");
  const at = lines.findIndex((l) => l.startsWith("error: "));
  assert.ok(at >= 0, show(r));
  assert.equal(lines.filter((l) => l.startsWith("error: ")).length, 1, show(r));
  assert.match(lines[at] ?? "", message, show(r));
  if (hint !== undefined) assert.match(lines[at + 1] ?? "", hint, show(r));
}

const FILES = {
  "gitops/h1/config.yml": "services:\n  web: {}\n",
  "gitops/h1/web/manifest.yml": "Container:\n  Image: docker.io/library/busybox:1.36\n",
};

/** A config for host h1 of `repo` with `state_dir` as given; returns its path. */
async function config(
  dir: string,
  repo: TestRepo,
  stateDir: string,
  extra = "[trust]\nrequire_signed = false\n",
): Promise<string> {
  const path = `${dir}/config.toml`;
  await Deno.writeTextFile(
    path,
    `host = "h1"
mode = "user"
quadlet_dir = "${dir}/quadlets"
state_dir = "${stateDir}"

[source]
url = "${repo.path}"
branch = "main"
path = "gitops"

${extra}`,
  );
  return path;
}

Deno.test("a state_dir that is a file, or below one, is one error naming it and the config", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/repo`, FILES);
    await Deno.writeTextFile(`${dir}/state`, "a file\n");
    for (const stateDir of [`${dir}/state`, `${dir}/state/below`]) {
      const cfg = await config(dir, repo, stateDir);
      const r = await hoist("plan", "--config", cfg);
      assertOneError(
        r,
        new RegExp(
          `^error: cannot create state_dir ${stateDir} \\(set in ${cfg}\\): (File exists|Not a directory)`,
        ),
        new RegExp(`hint: ${stateDir}, or a folder above it, is a file where hoist needs a folder`),
      );
    }
  });
});

Deno.test("a folder where the lock file belongs is one error naming the lock", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/repo`, FILES);
    await Deno.mkdir(`${dir}/state/lock`, { recursive: true });
    const r = await hoist("apply", "--config", await config(dir, repo, `${dir}/state`));
    assertOneError(
      r,
      new RegExp(`^error: cannot open the lock file ${dir}/state/lock: Is a directory`),
      new RegExp(`hint: ${dir}/state/lock is a folder where hoist needs a file`),
    );
  });
});

Deno.test("a file where the trust folder belongs is one error naming the folder", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/repo`, FILES);
    await Deno.mkdir(`${dir}/state`, { recursive: true });
    await Deno.writeTextFile(`${dir}/state/trust`, "a file\n");
    await Deno.writeTextFile(`${dir}/allowed_signers`, "");
    const cfg = await config(
      dir,
      repo,
      `${dir}/state`,
      `[trust]\nallowed_signers = "${dir}/allowed_signers"\n`,
    );
    const r = await hoist("plan", "--config", cfg);
    assertOneError(
      r,
      new RegExp(`^error: cannot create the folder ${dir}/state/trust: File exists`),
      /is a file where hoist needs a folder/,
    );
  });
});

Deno.test("a config path that is a folder is one error naming it", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/config.toml`);
    const r = await hoist("plan", "--config", `${dir}/config.toml`);
    assertOneError(
      r,
      new RegExp(`^error: cannot read the config file ${dir}/config\\.toml: Is a directory`),
      /is a folder where hoist needs a file/,
    );
  });
});

Deno.test("a corrupt row in state.db is one error naming the table and row; a non-database state.db too", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/repo`, FILES);
    const cfg = await config(dir, repo, `${dir}/state`);
    const first = await hoist("plan", "--config", cfg);
    assert.equal(first.code, 0, show(first));
    const db = new DatabaseSync(`${dir}/state/state.db`);
    db.prepare(
      "INSERT INTO services (name, hash, inputs, service_units, revision, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
    ).run(
      "web",
      "h1",
      "{not json",
      "[]",
      "abc",
      "2026-01-01T00:00:00Z",
    );
    db.close();
    for (const cmd of ["plan", "status"]) {
      assertOneError(
        await hoist(cmd, "--config", cfg),
        new RegExp(
          `^error: state database ${dir}/state/state\\.db: row "web" of table services is corrupt \\(inputs `,
        ),
        /hint: The file was edited or damaged: restore .* from a backup/,
      );
    }

    for (const f of ["state.db", "state.db-wal", "state.db-shm"]) {
      await Deno.remove(`${dir}/state/${f}`).catch(() => {});
    }
    await Deno.writeTextFile(`${dir}/state/state.db`, "not a database\n".repeat(600));
    assertOneError(
      await hoist("plan", "--config", cfg),
      new RegExp(
        `^error: state database ${dir}/state/state\\.db: cannot open it: file is not a database$`,
      ),
      /is damaged or not hoist's database: restore it from a backup/,
    );
  });
});

Deno.test("a program hoist cannot run is one error naming it, with a hint that fits", async () => {
  await withTempDir(async (dir) => {
    const repo = await makeRepo(`${dir}/repo`, FILES);
    await Deno.writeTextFile(`${dir}/not-executable`, "#!/bin/sh\nexit 0\n", { mode: 0o644 });
    const cfg = await config(dir, repo, `${dir}/state`);
    await Deno.writeTextFile(
      cfg,
      `quadlet_bin = "${dir}/not-executable"\n${await Deno.readTextFile(cfg)}`,
    );
    const r = await hoist("plan", "--config", cfg);
    assert.equal(r.code, 1, show(r));
    assert.doesNotMatch(r.err, /Uncaught|^\s+at /m, show(r));
    const lines = r.err.trimEnd().split("\n");
    assert.equal(lines.length, 2, `the error and its hint:\n${show(r)}`);
    assert.match(
      lines[0] ?? "",
      new RegExp(
        `^error: cannot run ${dir}/not-executable \\(\\d+ arguments\\): .*Permission denied`,
      ),
    );
    assert.match(lines[1] ?? "", new RegExp(`^  hint: hoist may not use ${dir}/not-executable`));
  });
});

/** True when this process may mount (root), so a small tmpfs can be made full. */
const canMount = Deno.uid() === 0 && (() => {
  try {
    return Deno.statSync("/bin/mount").isFile;
  } catch {
    return false;
  }
})();

async function run(cmd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

Deno.test({
  name: "a full state file system is one error saying so, whether SQLite or git meets it first",
  ignore: !canMount,
  async fn() {
    await withTempDir(async (dir) => {
      const repo = await makeRepo(`${dir}/repo`, FILES);
      const mnt = `${dir}/mnt`;
      await Deno.mkdir(mnt);
      await run("mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", mnt);
      try {
        const cfg = await config(dir, repo, `${mnt}/state`);
        const first = await hoist("plan", "--config", cfg);
        assert.equal(first.code, 0, show(first));

        // nothing left at all: SQLite cannot even grow its -shm/-wal files
        const fill = await Deno.open(`${mnt}/fill`, { write: true, create: true });
        try {
          const block = new Uint8Array(64 * 1024);
          while (true) await fill.write(block);
        } catch (e) {
          assert.ok(e instanceof Error && (e as { code?: string }).code === "ENOSPC", String(e));
        } finally {
          fill.close();
        }
        const full = await hoist("plan", "--config", cfg);
        assertOneError(
          full,
          new RegExp(`^error: state database ${mnt}/state/state\\.db: cannot open it \\(`),
          new RegExp(`hint: The file system holding ${mnt}/state is full`),
        );
        assert.match(full.err, /No space left on device/);

        // room for the database, not for the objects of a new commit: git's error, the disk's hint
        await Deno.truncate(`${mnt}/fill`, (await Deno.stat(`${mnt}/fill`)).size - 256 * 1024);
        const noise = crypto.getRandomValues(new Uint8Array(65536));
        await repo.commit({
          "gitops/h1/web/data.txt": Array.from(
            { length: 16 },
            () =>
              Array.from(noise, (b) => b.toString(16).padStart(2, "0")).join("")
                .replace(/./g, (c, i) => i % 97 === 0 ? "\n" : c),
          ).join(""),
        });
        const r = await hoist("plan", "--config", cfg);
        assertOneError(
          r,
          /^error: cannot fetch .*No space left on device/,
          new RegExp(`hint: The file system holding ${mnt}/state/cache/main\\.git is full`),
        );
      } finally {
        await run("umount", mnt);
      }
    });
  },
});
