/**
 * The state store on a broken disk or with a broken file: every failure is one `state-failed`
 * HoistError with the real cause first and a hint that fits it. The full disk is real: a small
 * tmpfs mounted in a temporary folder (only when this runs as root; skipped otherwise).
 *
 * @module
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { HoistError } from "../../lib/errors.ts";
import { openStore, type SourceRecord } from "../../lib/state/store.ts";

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

/** Writes to `path` until the file system says it is full. */
async function fillUp(path: string): Promise<void> {
  const f = await Deno.open(path, { write: true, create: true });
  try {
    const block = new Uint8Array(4096);
    while (true) await f.write(block);
  } catch (e) {
    assert.equal((e as { code?: string }).code, "ENOSPC", String(e));
  } finally {
    f.close();
  }
}

const source = (commit: string): SourceRecord => ({
  source: "main",
  branch: "main",
  commit,
  signer: "",
  policy: "p1",
  deployedAt: "2026-01-01T00:00:00.000Z",
});

Deno.test({
  name:
    "openStore() on a full disk: a write fails with the disk's own error and hint (never 'cannot rollback'), and works once there is room",
  ignore: !canMount,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir);
      try {
        const store = openStore(`${dir}/state.db`);
        store.recordSources([source("a".repeat(40))]);
        await fillUp(`${dir}/fill`);
        const big = source("b".repeat(300_000)); // more than any page cache slack
        for (const write of [() => store.recordSources([big])]) {
          assert.throws(write, (e: unknown) => {
            assert.ok(e instanceof HoistError, String(e));
            assert.equal(e.code, "state-failed");
            assert.match(
              e.message,
              new RegExp(
                `^state database ${dir}/state\\.db: cannot record the deployed commits \\((database or disk is full|disk I/O error)\\): No space left on device`,
              ),
            );
            assert.doesNotMatch(e.message, /cannot rollback/);
            assert.match(e.hint ?? "", new RegExp(`^The file system holding ${dir} is full`));
            return true;
          });
        }
        // an event about the failure cannot be written either, and says so only in the log
        store.recordEvent("2026-01-01T00:00:00.000Z", "state-failed", "x".repeat(300_000));
        await Deno.remove(`${dir}/fill`);
        store.recordSources([big]);
        assert.equal(store.lastDeployed("main").get("main")?.commit, big.commit);
        store.close();
      } finally {
        await run("umount", dir);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("openStore() names a corrupt row: its table, its key and the column, with a hint", async () => {
  const dir = await Deno.makeTempDir();
  try {
    openStore(`${dir}/state.db`).close();
    const cases = [
      {
        sql:
          "INSERT INTO services (name, hash, inputs, service_units, revision, changed_at) VALUES ('web', 'h', '{not json', '[]', 'r', 't')",
        column: "inputs",
      },
      {
        sql:
          "INSERT INTO services (name, hash, inputs, service_units, revision, changed_at) VALUES ('web', 'h', '{\"a\": 1}', '[]', 'r', 't')",
        column: "inputs",
      },
      {
        sql:
          "INSERT INTO services (name, hash, inputs, service_units, revision, changed_at) VALUES ('web', 'h', '{}', '\"x\"', 'r', 't')",
        column: "service_units",
      },
    ];
    for (const { sql, column } of cases) {
      const db = new DatabaseSync(`${dir}/state.db`);
      db.exec("DELETE FROM services");
      db.exec(sql);
      db.close();
      const store = openStore(`${dir}/state.db`);
      assert.throws(() => store.loadInventory(), (e: unknown) => {
        assert.ok(e instanceof HoistError);
        assert.equal(e.code, "state-failed");
        assert.equal(
          e.message,
          `state database ${dir}/state.db: row "web" of table services is corrupt (${column} is not what hoist writes there)`,
        );
        assert.match(e.hint ?? "", /restore .* from a backup/);
        return true;
      }, sql);
      store.close();
    }
    const db = new DatabaseSync(`${dir}/state.db`);
    db.exec("DELETE FROM services");
    db.exec(
      "INSERT INTO sources VALUES ('main', 'main', 'abc', '', 'p', 't', 'not a time')",
    );
    db.close();
    const store = openStore(`${dir}/state.db`);
    assert.throws(
      () => store.lastDeployed("main"),
      /row "main main" of table sources is corrupt \(committed_at/,
    );
    store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openStore() on a file that is not a database, or a folder, gives a hint for that", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/garbage.db`, "not sqlite\n".repeat(1000));
    assert.throws(() => openStore(`${dir}/garbage.db`), (e: unknown) => {
      assert.ok(e instanceof HoistError);
      assert.equal(
        e.message,
        `state database ${dir}/garbage.db: cannot open it: file is not a database`,
      );
      assert.match(e.hint ?? "", /is damaged or not hoist's database/);
      return true;
    });
    await Deno.mkdir(`${dir}/folder.db`);
    assert.throws(() => openStore(`${dir}/folder.db`), (e: unknown) => {
      assert.ok(e instanceof HoistError);
      assert.match(e.message, /cannot open it: unable to open database file/);
      assert.doesNotMatch(e.hint ?? "", /Check state_dir permissions/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
