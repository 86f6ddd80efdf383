/** Update policies: the default per reference, what auto refuses, and config.yml's values. */
import assert from "node:assert/strict";
import { parseImageRef } from "../../lib/images/image_ref.ts";
import {
  imagePolicy,
  policyRefusal,
  readUpdatePolicy,
  type UpdatePolicy,
} from "../../lib/images/update_policy.ts";

const D = "sha256:" + "c".repeat(64);
const ref = (text: string) => {
  const r = parseImageRef(text);
  assert.ok(typeof r !== "string", r as string);
  return r;
};

const cases: [string, UpdatePolicy | undefined, UpdatePolicy, RegExp | undefined][] = [
  ["ghcr.io/acme/web:1.4", undefined, "manual", undefined],
  [`ghcr.io/acme/web@${D}`, undefined, "pinned", undefined],
  [`ghcr.io/acme/web:1.4@${D}`, undefined, "pinned", undefined],
  ["ghcr.io/acme/web:1.4", "auto", "auto", undefined],
  ["ghcr.io/acme/web:1.4", "pinned", "pinned", undefined],
  ["redis:7", undefined, "manual", undefined],
  ["redis:7", "auto", "auto", /short name.*docker\.io\/library\/redis:7/],
  ["127.0.0.1:5000/team/app", "auto", "auto", undefined],
];

for (const [text, written, policy, refusal] of cases) {
  Deno.test({
    name: `imagePolicy(): ${text} with ${written ?? "nothing"} written is ${policy}${
      refusal ? ", refused" : ""
    }`,
    permissions: "none",
    fn() {
      assert.equal(imagePolicy(written, ref(text)), policy);
      const why = policyRefusal(policy, ref(text));
      if (refusal === undefined) assert.equal(why, undefined);
      else assert.match(why ?? "", refusal);
    },
  });
}

Deno.test({
  name: "readUpdatePolicy() takes pinned, manual and auto, and names anything else",
  permissions: "none",
  fn() {
    assert.deepEqual(readUpdatePolicy("auto"), { policy: "auto" });
    assert.deepEqual(readUpdatePolicy("pinned"), { policy: "pinned" });
    assert.deepEqual(readUpdatePolicy("Auto"), {
      error: 'must be pinned, manual or auto, got "Auto"',
    });
    assert.deepEqual(readUpdatePolicy(undefined), {
      error: "must be pinned, manual or auto, got null",
    });
  },
});
