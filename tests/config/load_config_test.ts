import assert from "node:assert/strict";
import { defaultConfigPath, parseConfig } from "../../lib/config/load_config.ts";
import { HoistError } from "../../lib/errors.ts";

const user = { hostname: "pi", uid: 1000, home: "/home/pi", env: {} };
const root = { hostname: "pi", uid: 0, home: "/root", env: {} };
const minimal = '[source]\nurl = "/srv/gitops.git"\n';

function configError(text: string): HoistError {
  try {
    parseConfig(text, "/etc/hoist/config.toml", user);
  } catch (e) {
    assert.ok(e instanceof HoistError);
    return e;
  }
  assert.fail("expected a config error");
}

Deno.test({
  name: "parseConfig() fills user-mode defaults from the home folder and hostname",
  permissions: "none",
  fn() {
    const c = parseConfig(minimal, "c.toml", user);
    assert.equal(c.host, "pi");
    assert.equal(c.mode, "user");
    assert.equal(c.quadletDir, "/home/pi/.config/containers/systemd");
    assert.equal(c.stateDir, "/home/pi/.local/state/hoist");
    assert.equal(c.unitPrefix, "gitops-");
    assert.deepEqual(c.source, { url: "/srv/gitops.git", branch: "main", path: "gitops" });
  },
});

Deno.test({
  name: "parseConfig() defaults to system mode and system paths as root",
  permissions: "none",
  fn() {
    const c = parseConfig(minimal, "c.toml", root);
    assert.equal(c.mode, "system");
    assert.equal(c.quadletDir, "/etc/containers/systemd");
    assert.equal(c.stateDir, "/var/lib/hoist");
  },
});

Deno.test({
  name: "parseConfig() honours XDG_CONFIG_HOME and XDG_STATE_HOME",
  permissions: "none",
  fn() {
    const ctx = { ...user, env: { XDG_CONFIG_HOME: "/x/cfg", XDG_STATE_HOME: "/x/state" } };
    const c = parseConfig(minimal, "c.toml", ctx);
    assert.equal(c.quadletDir, "/x/cfg/containers/systemd");
    assert.equal(c.stateDir, "/x/state/hoist");
    assert.equal(defaultConfigPath(ctx), "/x/cfg/hoist/config.toml");
    assert.equal(defaultConfigPath(root), "/etc/hoist/config.toml");
  },
});

Deno.test({
  name: "parseConfig() rejects an unknown key naming the key, the file and the line",
  permissions: "none",
  fn() {
    const e = configError('host = "a"\n\n[source]\nurl = "/r"\nbrnach = "main"\n');
    assert.equal(e.code, "config-invalid");
    assert.match(e.message, /\/etc\/hoist\/config\.toml:5: unknown key "source\.brnach"/);
  },
});

Deno.test({
  name: "parseConfig() rejects a wrong type and a bad mode with the key's line",
  permissions: "none",
  fn() {
    assert.match(
      configError('mode = "root"\n[source]\nurl = "/r"\n').message,
      /config\.toml:1: mode:/,
    );
    assert.match(
      configError('keep_copies = "3"\n[source]\nurl = "/r"\n').message,
      /:1: keep_copies:/,
    );
  },
});

Deno.test({
  name: "parseConfig() rejects TOML syntax errors with the line",
  permissions: "none",
  fn() {
    assert.match(configError('host = "a"\nmode = \n').message, /config\.toml:2:/);
  },
});

Deno.test({
  name: "parseConfig() requires [source] and refuses a source path that leaves the repository",
  permissions: "none",
  fn() {
    assert.match(configError('host = "a"\n').message, /source/);
    assert.match(
      configError('[source]\nurl = "/r"\npath = "../etc"\n').message,
      /:3: source\.path: must stay inside/,
    );
  },
});

Deno.test({
  name: "parseConfig() refuses relative quadlet_dir and state_dir",
  permissions: "none",
  fn() {
    assert.match(
      configError('quadlet_dir = "units"\n[source]\nurl = "/r"\n').message,
      /:1: quadlet_dir: must be an absolute path/,
    );
  },
});
