/**
 * The skip gates of helpers.ts: a missing tool skips its tests with one printed line, except
 * under HOIST_E2E=required (CI), where it fails them.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ROOT, skipUnless } from "./helpers.ts";

/** Runs `fn` with console.log captured; returns its result and the lines printed. */
function capturingLog<T>(fn: () => T): { result: T; lines: string[] } {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    return { result: fn(), lines };
  } finally {
    console.log = original;
  }
}

Deno.test("skipUnless() runs the tests, silently, when the tool is there", () => {
  for (const required of [false, true]) {
    const { result, lines } = capturingLog(() => skipUnless(undefined, required));
    assert.equal(result, false);
    assert.deepEqual(lines, []);
  }
});

Deno.test("skipUnless() skips with exactly one printed line when the tool is missing", () => {
  const { result, lines } = capturingLog(() => skipUnless("sshd not found: skipping", false));
  assert.equal(result, true);
  assert.deepEqual(lines, ["sshd not found: skipping"]);
});

Deno.test("skipUnless() throws, naming the tool, when HOIST_E2E=required", () => {
  const { lines } = capturingLog(() =>
    assert.throws(
      () => skipUnless("quadlet generator not found", true),
      /HOIST_E2E=required but quadlet generator not found/,
    )
  );
  assert.deepEqual(lines, [], "no skip line: the tests fail instead");
});

/** What a deno subprocess needs from this environment (and nothing else: no HOIST_E2E). */
function denoEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"];
  return Object.fromEntries(keep.flatMap((k) => {
    const v = Deno.env.get(k);
    return v === undefined ? [] : [[k, v]];
  }));
}

Deno.test("the gate reads HOIST_E2E from the environment of the test process", async () => {
  const script = `import { skipUnless } from "./tests/integration/helpers.ts";\n` +
    `console.log(String(skipUnless("tool missing")));\n`;
  const run = async (env: Record<string, string>) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", script],
      cwd: ROOT,
      clearEnv: true,
      env: { ...denoEnv(), ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
  };
  const local = await run({});
  assert.equal(local.code, 0, local.err);
  assert.equal(local.out, "tool missing\ntrue\n");
  const ci = await run({ HOIST_E2E: "required" });
  assert.notEqual(ci.code, 0, ci.out);
  assert.match(ci.err, /HOIST_E2E=required but tool missing/);
  assert.equal(ci.out, "");
});
