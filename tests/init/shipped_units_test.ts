/**
 * lib/init/shipped_units.ts carries hoist's own units inside the binary (`deno compile` bundles
 * modules, not loose files); quadlets/ stays their single source of truth. This checks the two
 * are equal; `HOIST_WRITE_UNITS=1 deno test -A tests/init/shipped_units_test.ts` regenerates the
 * module from quadlets/.
 *
 * @module
 */
import assert from "node:assert/strict";
import { SHIPPED_UNITS } from "../../lib/init/shipped_units.ts";

const QUADLETS = new URL("../../quadlets/", import.meta.url);
const MODULE = new URL("../../lib/init/shipped_units.ts", import.meta.url);
const NAMES = [
  "hoist.service",
  "hoist-user.service",
  "hoist.timer",
  "hoist-serve.service",
  "hoist-serve-user.service",
];

/** The module's text for the units' current files. */
function moduleText(units: Record<string, string>): string {
  return `/**
 * hoist's own units, the text of quadlets/ (generated: do not edit; tests/init/shipped_units_test.ts
 * checks it and regenerates it with HOIST_WRITE_UNITS=1), so the compiled binary carries them.
 *
 * @module
 */

/** File name in quadlets/ → its text. */
export const SHIPPED_UNITS: Readonly<Record<string, string>> = ${JSON.stringify(units, null, 2)};
`;
}

Deno.test("the units embedded in lib/init/shipped_units.ts are quadlets/ byte for byte", async () => {
  const units: Record<string, string> = {};
  for (const name of NAMES) units[name] = await Deno.readTextFile(new URL(name, QUADLETS));
  if (Deno.env.get("HOIST_WRITE_UNITS") === "1") {
    await Deno.writeTextFile(MODULE, moduleText(units));
    const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", MODULE.pathname] })
      .output();
    assert.ok(fmt.success, "deno fmt of the generated module");
    return;
  }
  assert.deepEqual(Object.keys(SHIPPED_UNITS), NAMES);
  for (const name of NAMES) {
    assert.equal(
      SHIPPED_UNITS[name],
      units[name],
      `${name} differs from quadlets/${name}: regenerate`,
    );
  }
});
