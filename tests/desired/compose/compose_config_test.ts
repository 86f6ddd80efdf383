import assert from "node:assert/strict";
import { parseConfig } from "../../../lib/config/load_config.ts";
import { HoistError } from "../../../lib/errors.ts";
import { PURE } from "../../support/pure.ts";

const ctx = { hostname: "pi", uid: 1000, home: "/home/pi", env: {} };
const SOURCE = '[source]\nurl = "/srv/gitops.git"\n';

Deno.test({
  name:
    "[compose] ignore in the agent config lists key names or paths; absent, nothing is ignored; a key with spaces is an error naming it",
  permissions: PURE,
  fn() {
    const c = parseConfig(
      `${SOURCE}\n[compose]\nignore = ["deploy", "services.web.develop"]\n\n[compose.policy]\nprivileged = false\n`,
      "/etc/hoist/config.toml",
      ctx,
    );
    assert.deepEqual(c.composePolicy.ignore, ["deploy", "services.web.develop"]);
    assert.equal(c.composePolicy.privileged, false);
    assert.deepEqual(parseConfig(SOURCE, "c.toml", ctx).composePolicy.ignore, []);
    assert.throws(
      () => parseConfig(`${SOURCE}\n[compose]\nignore = ["two words"]\n`, "c.toml", ctx),
      (e) => e instanceof HoistError && /compose\.ignore\.0: must be a key path/.test(e.message),
    );
  },
});
