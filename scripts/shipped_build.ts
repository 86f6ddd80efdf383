/**
 * hoist "as shipped", as near as this machine allows (`deno compile` needs a denort download it
 * cannot make), for the benchmark scripts: main.ts bundled and split at its dynamic imports
 * (`deno bundle --code-splitting`: no module graph is resolved at start and each `import()` stays
 * a lazily loaded module, as in a compiled binary; one inlined file would make V8 parse every
 * command's code), run with the V8 flags of deno.json's compile task.
 *
 * @module
 */

/**
 * The `--v8-flags=…` argument of deno.json's `compile:x86_64` task in `root`.
 *
 * @example
 * ```ts
 * await compileV8Flags("/work/main"); // "--v8-flags=--lite-mode"
 * ```
 */
export async function compileV8Flags(root: string): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`)) as {
    tasks: Record<string, string>;
  };
  const flags = /--v8-flags=(\S+)/.exec(config.tasks["compile:x86_64"] ?? "")?.[1];
  if (flags === undefined) throw new Error("deno.json's compile:x86_64 task sets no --v8-flags");
  return `--v8-flags=${flags}`;
}

/**
 * `root`'s main.ts bundled into `outdir` (emptied first), split at each dynamic import; its entry
 * is `${outdir}/main.js`. Throws with deno's stderr when the bundle fails.
 */
export async function bundleMain(root: string, outdir: string): Promise<string> {
  await Deno.remove(outdir, { recursive: true }).catch(() => {});
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--code-splitting",
      "--outdir",
      outdir,
      "main.ts",
    ],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`deno bundle failed:\n${new TextDecoder().decode(r.stderr)}`);
  return `${outdir}/main.js`;
}
