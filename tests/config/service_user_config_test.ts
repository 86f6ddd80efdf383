/**
 * `[services.<name>] user = "name"` in the agent config (layouts without config.yml): accepted in
 * system mode with its line, refused in user mode at its line, and only as a login name.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { HoistError } from "../../lib/errors.ts";

const root = { hostname: "pi", uid: 0, home: "/root", env: {} };
const user = { hostname: "pi", uid: 1000, home: "/home/pi", env: {} };
const text = '[source]\nurl = "/srv/gitops.git"\n\n[services.web]\nuser = "svc-web"\n';

function configError(config: string, ctx: typeof root): HoistError {
  try {
    parseConfig(config, "/etc/hoist/config.toml", ctx);
  } catch (e) {
    assert.ok(e instanceof HoistError);
    return e;
  }
  assert.fail("expected a config error");
}

Deno.test({
  name: "parseConfig() reads [services.web] user in system mode, with its line",
  permissions: "none",
  fn() {
    const c = parseConfig(text, "/etc/hoist/config.toml", root);
    assert.equal(c.services.web?.user, "svc-web");
    assert.equal(c.services.web?.userLine, 5);
  },
});

Deno.test({
  name: "parseConfig() refuses [services.web] user in user mode at its line, saying why",
  permissions: "none",
  fn() {
    const e = configError(text, user);
    assert.equal(e.code, "config-invalid");
    assert.match(
      e.message,
      /^\/etc\/hoist\/config\.toml:5: \[services\.web\] user: hoist runs rootless \(mode = "user"\)/,
    );
    assert.match(e.hint ?? "", /mode = "system"/);
  },
});

Deno.test({
  name: "parseConfig() refuses a user that is not a login name (a path, an option, root)",
  permissions: "none",
  fn() {
    for (const bad of ["../etc", "-x", "root", "a/b", ""]) {
      const e = configError(text.replace('"svc-web"', JSON.stringify(bad)), root);
      assert.equal(e.code, "config-invalid", bad);
      assert.match(e.message, /services\.web\.user/, bad);
    }
  },
});
