/**
 * The agent config's `[remote]` table: admin key files, absolute paths only: pure.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";

const CTX = { hostname: "pi", uid: 0, home: "/root", env: {} };
const BASE = '[source]\nurl = "/srv/gitops.git"\n';

Deno.test({
  name: "[remote] admin_keys lists public key files; none by default",
  permissions: "none",
  fn() {
    assert.deepEqual(parseConfig(BASE, "/etc/hoist/config.toml", CTX).remote, { adminKeys: [] });
    const cfg = parseConfig(
      `${BASE}\n[remote]\nadmin_keys = ["/etc/hoist/admin.pub", "/etc/hoist/ops.pub"]\n`,
      "/etc/hoist/config.toml",
      CTX,
    );
    assert.deepEqual(cfg.remote.adminKeys, ["/etc/hoist/admin.pub", "/etc/hoist/ops.pub"]);
  },
});

Deno.test({
  name: "[remote]: a relative path or an unknown key is an error naming the line",
  permissions: "none",
  fn() {
    assert.throws(
      () =>
        parseConfig(
          `${BASE}\n[remote]\nadmin_keys = ["admin.pub"]\n`,
          "/etc/hoist/config.toml",
          CTX,
        ),
      /config\.toml:5: remote\.admin_keys\.0: must be an absolute path/,
    );
    assert.throws(
      () => parseConfig(`${BASE}\n[remote]\nkeys = []\n`, "/etc/hoist/config.toml", CTX),
      /config\.toml:5: unknown key "remote\.keys"/,
    );
  },
});
