import assert from "node:assert/strict";
import { checked, CommandError, createRunner } from "../../lib/adapters/run_command.ts";
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
