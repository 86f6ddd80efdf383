import assert from "node:assert/strict";
import {
  checked,
  CommandError,
  commandName,
  CommandTimeout,
  createRunner,
  KILL_GRACE_MS,
} from "../../lib/adapters/run_command.ts";
import { HoistError } from "../../lib/errors.ts";

const run = createRunner();

Deno.test("createRunner() passes stdin, returns stdout, stderr and the exit code", async () => {
  const r = await run({ cmd: "sh", args: ["-c", "cat; echo oops >&2; exit 3"], stdin: "hello" });
  assert.equal(new TextDecoder().decode(r.stdout), "hello");
  assert.equal(r.stderr, "oops\n");
  assert.equal(r.code, 3);
});

Deno.test("createRunner() stops a process whose stdout passes maxStdout, without holding it all", async () => {
  await assert.rejects(
    () => run({ cmd: "head", args: ["-c", "50000000", "/dev/zero"], maxStdout: 1_000_000 }),
    (e: unknown) => e instanceof HoistError && e.code === "output-too-large",
  );
  const small = await run({ cmd: "head", args: ["-c", "1000", "/dev/zero"], maxStdout: 1_000_000 });
  assert.equal(small.stdout.length, 1000);
  assert.equal(small.code, 0);
});

Deno.test("createRunner() names a missing program as tool-missing; checked() throws CommandError", async () => {
  await assert.rejects(
    () => run({ cmd: "hoist-no-such-program", args: [] }),
    (e: unknown) =>
      e instanceof HoistError && e.code === "tool-missing" &&
      /hoist-no-such-program/.test(e.message),
  );
  await assert.rejects(
    () => checked(run, { cmd: "sh", args: ["-c", "echo bad >&2; exit 2"] }),
    (e: unknown) => e instanceof CommandError && e.exitCode === 2 && e.stderrTail === "bad",
  );
});

/** The state letter of process `pid` (Z: a zombie), or undefined once it is gone. */
async function procState(pid: number): Promise<string | undefined> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

/** Waits up to 2 s for `pid` to be gone (or a zombie nobody reaped yet); true when it is. */
async function ended(pid: number): Promise<boolean> {
  for (let i = 0; i < 80; i++) {
    const s = await procState(pid);
    if (s === undefined || s === "Z") return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

Deno.test("createRunner() stops a command past timeoutMs, with the processes it started, and says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/pid`;
    const started = Date.now();
    await assert.rejects(
      () =>
        run({
          cmd: "sh",
          args: ["-c", `sleep 30 & echo $! > '${pidFile}'; wait`],
          timeoutMs: 300,
        }),
      (e: unknown) =>
        e instanceof CommandTimeout && e.code === "command-failed" && e.timeoutMs === 300 &&
        e.message === "sh timed out after 0.3 s; stopped it",
    );
    const took = Date.now() - started;
    assert.ok(took >= 300 && took < KILL_GRACE_MS, `stopped by SIGTERM after ${took} ms`);
    const grandchild = Number(await Deno.readTextFile(pidFile));
    assert.ok(await ended(grandchild), `the sleep it started (${grandchild}) was stopped too`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createRunner() sends SIGTERM first on a timeout, so the command can clean up", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const marker = `${dir}/cleaned`;
    await assert.rejects(
      () =>
        run({
          cmd: "sh",
          args: ["-c", `trap "echo cleaned > '${marker}'; exit 1" TERM; sleep 30 & wait`],
          timeoutMs: 200,
        }),
      CommandTimeout,
    );
    assert.equal(await Deno.readTextFile(marker), "cleaned\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createRunner() kills a timed-out command that ignores SIGTERM after the grace period", async () => {
  const started = Date.now();
  await assert.rejects(
    () => run({ cmd: "sh", args: ["-c", `trap "" TERM; sleep 30; true`], timeoutMs: 100 }),
    CommandTimeout,
  );
  const took = Date.now() - started;
  assert.ok(took >= 100 + KILL_GRACE_MS && took < 100 + KILL_GRACE_MS + 2_000, `${took} ms`);
});

Deno.test("createRunner() with timeoutMs returns a command that ends in time as usual", async () => {
  const r = await run({
    cmd: "sh",
    args: ["-c", "cat; echo oops >&2; exit 3"],
    stdin: "hello",
    timeoutMs: 10_000,
  });
  assert.deepEqual(
    { out: new TextDecoder().decode(r.stdout), err: r.stderr, code: r.code },
    { out: "hello", err: "oops\n", code: 3 },
  );
  const big = await run({
    cmd: "head",
    args: ["-c", "3000000", "/dev/zero"],
    maxStdout: 5_000_000,
    timeoutMs: 10_000,
  });
  assert.equal(big.stdout.length, 3_000_000);
  await assert.rejects(
    () =>
      run({
        cmd: "head",
        args: ["-c", "50000000", "/dev/zero"],
        maxStdout: 1_000_000,
        timeoutMs: 10_000,
      }),
    (e: unknown) =>
      e instanceof HoistError && e.code === "output-too-large" &&
      e.message === "head /dev/zero printed more than 1000000 bytes; stopped it",
  );
});

Deno.test({
  name: "commandName() is the program and its sub-command, never option values",
  permissions: "none",
  fn() {
    const helper = "credential.helper=!f() { cat /etc/hoist/token; }; f";
    assert.equal(
      commandName({ cmd: "git", args: ["-C", "/c", "-c", helper, "fetch", "--quiet", "--", "u"] }),
      "git fetch",
    );
    assert.equal(commandName({ cmd: "/usr/bin/podman", args: ["ps", "-a"] }), "podman ps");
    assert.equal(commandName({ cmd: "systemctl", args: ["--user", "show"] }), "systemctl show");
    assert.equal(commandName({ cmd: "sh", args: ["-c"] }), "sh");
  },
});

Deno.test("createRunner() turns an argument list too long and a program that cannot run into one clear HoistError", async () => {
  const tooLong = await run({
    cmd: "/bin/true",
    args: Array.from({ length: 200_000 }, () => "x".repeat(20)),
  })
    .then(() => undefined, (e) => e);
  assert.ok(tooLong instanceof HoistError, String(tooLong));
  assert.equal(tooLong.code, "command-failed");
  assert.match(
    tooLong.message,
    /^cannot run \/bin\/true \(200000 arguments\): .*Argument list too long/,
  );
  assert.match(tooLong.hint ?? "", /command line was too long/);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/script`, "#!/bin/sh\n", { mode: 0o644 });
    const denied = await run({ cmd: `${dir}/script`, args: [] }).then(() => undefined, (e) => e);
    assert.ok(denied instanceof HoistError, String(denied));
    assert.match(denied.message, /Permission denied/);
    assert.match(denied.hint ?? "", /may not use/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
