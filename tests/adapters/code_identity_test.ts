/**
 * codeIdentity (lib/adapters/code_identity.ts), on real files: the identity the desired-state
 * cache is keyed by changes when a source file under lib/ changes, is added, or the executable
 * does, and stays the same otherwise.
 *
 * @module
 */
import assert from "node:assert/strict";
import { codeIdentity } from "../../lib/adapters/code_identity.ts";

Deno.test("codeIdentity changes with hoist's sources and its executable, not otherwise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hoist-code-id-" });
  try {
    await Deno.mkdir(`${dir}/lib/desired`, { recursive: true });
    await Deno.writeTextFile(`${dir}/main.ts`, "import './lib/desired/a.ts';\n");
    await Deno.writeTextFile(`${dir}/lib/desired/a.ts`, "export const a = 1;\n");
    await Deno.writeTextFile(`${dir}/hoist-bin`, "binary v1");
    const id = () => codeIdentity(`file://${dir}/main.ts`, `${dir}/hoist-bin`);
    const first = await id();
    assert.equal(await id(), first);
    await Deno.writeTextFile(`${dir}/lib/desired/a.ts`, "export const a = 22;\n");
    const edited = await id();
    assert.notEqual(edited, first, "an edited source file");
    await Deno.utime(`${dir}/lib/desired/a.ts`, 1, 1_900_000_000);
    const touched = await id();
    assert.notEqual(touched, edited, "a source file's time");
    await Deno.writeTextFile(`${dir}/lib/b.ts`, "export const b = 1;\n");
    const added = await id();
    assert.notEqual(added, touched, "a new source file");
    await Deno.writeTextFile(`${dir}/hoist-bin`, "binary v2, longer");
    assert.notEqual(await id(), added, "another executable");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
