/**
 * `deno task demo` (scripts/demo.ts) as a user runs it: a subprocess printing a signed plan.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ROOT } from "./helpers.ts";

/** What deno needs from this environment; nothing else (no HOIST_DEMO_KEEP, no NO_COLOR). */
function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"];
  return Object.fromEntries(keep.flatMap((k) => {
    const v = Deno.env.get(k);
    return v === undefined ? [] : [[k, v]];
  }));
}

Deno.test("the demo prints a plan for a commit signed by ssh, with units to write, and cleans up", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/demo.ts"],
    cwd: ROOT,
    clearEnv: true,
    env: baseEnv(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  const shown = `exit ${out.code}\n--- stdout\n${stdout}\n--- stderr\n${dec.decode(out.stderr)}`;
  assert.equal(out.code, 0, shown);
  assert.match(stdout, /^hoist plan for host demo-host at [0-9a-f]{12}$/m, shown);
  assert.match(
    stdout,
    /^ {2}source main branch main at [0-9a-f]{12}: signed by ssh SHA256:\S+ demo@example\.invalid, signature verified$/m,
    shown,
  );
  assert.match(stdout, /^\+ write \S+ \(\w+\): new unit$/m, shown);
  assert.match(stdout, /^Plan: \d+ to write\b.*\.$/m, shown);
  // the throwaway repository is removed afterwards
  const repo = /^# demo repository: (\S+)\/repo$/m.exec(stdout)?.[1];
  assert.ok(repo, shown);
  await assert.rejects(Deno.stat(repo), Deno.errors.NotFound, `${repo} left behind`);
});
