import assert from "node:assert/strict";
import { acquireLock } from "../../lib/adapters/lock.ts";

/** Another process holding `path` (flock is per open file description) for `seconds`. */
async function holdLock(path: string, seconds: number): Promise<Deno.ChildProcess> {
  await Deno.writeTextFile(path, "4242\n"); // the pid a hoist holder writes
  const holder = new Deno.Command("flock", {
    args: ["--no-fork", path, "sleep", String(seconds)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  // held once a non-blocking flock of our own fails
  for (let i = 0; i < 100; i++) {
    const probe = await new Deno.Command("flock", { args: ["-n", path, "true"] }).output();
    if (probe.code !== 0) return holder;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("the holder never took the lock");
}

Deno.test("acquireLock() tells the waiter whom it waits for, once, then gets the lock when freed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const holder = await holdLock(`${dir}/lock`, 1);
    const told: (string | undefined)[] = [];
    const release = await acquireLock(`${dir}/lock`, 10_000, (h) => told.push(h));
    assert.deepEqual(told, ["4242"]);
    assert.match(await Deno.readTextFile(`${dir}/lock`), new RegExp(`^${Deno.pid}\\n$`));
    release();
    await holder.status;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("acquireLock() says nothing when the lock is free, and names the holder when it gives up", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const told: (string | undefined)[] = [];
    const release = await acquireLock(`${dir}/free`, 5_000, (h) => told.push(h));
    release();
    assert.equal(told.length, 0, "a free lock is taken without a word");
    const holder = await holdLock(`${dir}/lock`, 5);
    await assert.rejects(
      () => acquireLock(`${dir}/lock`, 600, (h) => told.push(h)),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "lock-busy");
        assert.match(e.message, /another hoist apply is running \(pid 4242\)/);
        return true;
      },
    );
    assert.deepEqual(told, ["4242"]);
    holder.kill("SIGKILL");
    await holder.status;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
