/**
 * `hoist completions`: generated from the program, so a command or option registered anywhere
 * shows up; the bash script is run by the real bash (zsh and fish are not installed here, their
 * scripts are checked as text).
 *
 * @module
 */
import assert from "node:assert/strict";
import { runCli } from "../../lib/cli/program.ts";
import { captureIo, withTempDir } from "./helpers.ts";

async function completions(shell: string) {
  const c = captureIo("/nonexistent");
  const code = await runCli(["completions", shell], c.io);
  return { code, ...c.take() };
}

/** What the bash function offers for the words typed so far (the last one being completed). */
async function bashOffers(script: string, typed: string[]): Promise<string[]> {
  return await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/hoist.bash`, script);
    const words = typed.map((w) => `'${w}'`).join(" ");
    const probe =
      `source '${dir}/hoist.bash'; COMP_WORDS=(hoist ${words}); COMP_CWORD=${typed.length}; ` +
      `_hoist; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = await new Deno.Command("bash", { args: ["-c", probe], stdout: "piped" }).output();
    assert.ok(out.success);
    return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
  });
}

Deno.test("completions bash: commands, global options, each command's own options, values after --config", async () => {
  const { code, out } = await completions("bash");
  assert.equal(code, 0);
  assert.deepEqual(await bashOffers(out, ["do"]), ["doctor"]);
  assert.deepEqual(await bashOffers(out, ["--con"]), ["--config"]);
  assert.deepEqual(await bashOffers(out, ["--config", "/etc/x.toml", "init", "--si"]), [
    "--signer",
  ]);
  assert.deepEqual(await bashOffers(out, ["plan", "--detailed"]), ["--detailed-exitcode"]);
  assert.deepEqual(await bashOffers(out, ["doctor", "--"]), ["--json"]);
  assert.ok((await bashOffers(out, [""])).includes("completions"));
});

Deno.test("completions zsh and fish name every command and their options; an unknown shell is a usage error", async () => {
  const zsh = await completions("zsh");
  assert.match(zsh.out, /^#compdef hoist$/m);
  assert.match(zsh.out, /^ {4}'doctor:check this host/m);
  assert.match(zsh.out, /^ {4}init\) _arguments -s .*'--signer\[public key of who may sign/m);
  const fish = await completions("fish");
  assert.match(fish.out, /^complete -c hoist -n '__fish_seen_subcommand_from apply' -l adopt /m);
  assert.match(fish.out, /^complete -c hoist -l config -s c -r /m);
  const bad = await completions("tcsh");
  assert.equal(bad.code, 64);
  assert.match(bad.err, /no completions for tcsh/);
});
