import assert from "node:assert/strict";
import { defaultConfigPath, parseConfig, sourceBranches } from "../../lib/config/load_config.ts";
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
    assert.deepEqual(c.sources, [
      {
        kind: "host-folders",
        name: "main",
        url: "/srv/gitops.git",
        branch: "main",
        path: "gitops",
      },
    ]);
    assert.equal(c.trust.requireSigned, true);
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

Deno.test({
  name: "parseConfig() reads several [[sources]] with credentials files and a [trust] policy",
  permissions: "none",
  fn() {
    const c = parseConfig(
      `[[sources]]
name = "infra"
url = "git@github.com:me/infra.git"
ssh_key = "/etc/hoist/deploy_key"
ssh_known_hosts = "/etc/hoist/known_hosts"

[[sources]]
name = "apps"
url = "https://git.example.com/apps.git"
branches = ["web", "api"]
token_file = "/etc/hoist/token"

[trust]
gpg_keys = ["/etc/hoist/keys/alice.asc"]
allowed_signers = "/etc/hoist/allowed_signers"
verify = "all"
`,
      "c.toml",
      user,
    );
    assert.deepEqual(c.sources.map((s) => s.name), ["infra", "apps"]);
    assert.equal(c.sources[0]!.sshKey, "/etc/hoist/deploy_key");
    assert.equal(c.sources[0]!.knownHosts, "/etc/hoist/known_hosts");
    assert.deepEqual(sourceBranches(c.sources[1]!), ["web", "api"]);
    assert.equal(c.sources[1]!.kind, "branch-per-service");
    assert.equal(c.sources[1]!.tokenFile, "/etc/hoist/token");
    assert.deepEqual(c.trust, {
      requireSigned: true,
      gpgKeys: ["/etc/hoist/keys/alice.asc"],
      allowedSigners: "/etc/hoist/allowed_signers",
      verify: "all",
      allowRollback: false,
    });
  },
});

Deno.test({
  name: "parseConfig() refuses credentials in a URL, naming the source's line",
  permissions: "none",
  fn() {
    const e = configError(
      '[[sources]]\nname = "a"\nurl = "https://me:s3cret@git.example.com/x.git"\n',
    );
    assert.match(e.message, /config\.toml:3: sources\.0\.url: must not contain credentials/);
    assert.doesNotMatch(e.message + (e.hint ?? ""), /s3cret/);
  },
});

Deno.test({
  name: "parseConfig() finds the line of a key in the second [[sources]] table",
  permissions: "none",
  fn() {
    const e = configError(
      '[[sources]]\nname = "a"\nurl = "/a"\n\n[[sources]]\nname = "b"\nurl = "/b"\nbranch = "-x"\n',
    );
    assert.match(e.message, /config\.toml:8: sources\.1\.branch:/);
  },
});

Deno.test({
  name:
    "parseConfig() refuses [source] with [[sources]], unnamed or duplicate sources, branch with branches",
  permissions: "none",
  fn() {
    assert.match(
      configError('[source]\nurl = "/a"\n[[sources]]\nname = "b"\nurl = "/b"\n').message,
      /not both/,
    );
    assert.match(
      configError('[[sources]]\nurl = "/a"\n[[sources]]\nurl = "/b"\n').message,
      /needs a name/,
    );
    assert.match(
      configError('[[sources]]\nname = "a"\nurl = "/a"\n[[sources]]\nname = "a"\nurl = "/b"\n')
        .message,
      /two sources are named "a"/,
    );
    assert.match(
      configError('[source]\nurl = "/a"\nbranch = "main"\nbranches = ["web"]\n').message,
      /not both/,
    );
  },
});

Deno.test({
  name:
    "parseConfig() keeps require_signed = false only when written, and rejects unknown [trust] keys",
  permissions: "none",
  fn() {
    assert.equal(
      parseConfig(`${minimal}[trust]\nrequire_signed = false\n`, "c.toml", user).trust
        .requireSigned,
      false,
    );
    assert.match(
      configError(`${minimal}[trust]\nrequire_sig = false\n`).message,
      /:4: unknown key "trust\.require_sig"/,
    );
  },
});

Deno.test({
  name: "parseConfig() refuses an https token written as the URL's user name, but keeps ssh users",
  permissions: "none",
  fn() {
    const e = configError('[source]\nurl = "https://ghp_abc123@github.com/me/x.git"\n');
    assert.match(e.message, /must not contain credentials/);
    assert.doesNotMatch(e.message, /ghp_abc123/);
    assert.equal(
      parseConfig('[source]\nurl = "git@github.com:me/x.git"\n', "c.toml", user).sources[0]!.url,
      "git@github.com:me/x.git",
    );
    assert.equal(
      parseConfig('[source]\nurl = "ssh://git@host/x.git"\n', "c.toml", user).sources[0]!.url,
      "ssh://git@host/x.git",
    );
  },
});

Deno.test({
  name: "parseConfig() refuses token_file with a URL that is not https://, naming the line",
  permissions: "none",
  fn() {
    for (
      const url of ["http://git.example.com/a.git", "git://git.example.com/a.git", "/srv/a.git"]
    ) {
      const e = configError(
        `[source]\nurl = "${url}"\ntoken_file = "/etc/hoist/token"\n[trust]\nrequire_signed = false\n`,
      );
      assert.equal(e.code, "config-invalid");
      assert.match(
        e.message,
        /^\/etc\/hoist\/config\.toml:3: .*token_file needs an https:\/\/ url/,
      );
    }
    const ok = parseConfig(
      '[source]\nurl = "https://git.example.com/a.git"\ntoken_file = "/etc/hoist/token"\n[trust]\nrequire_signed = false\n',
      "c.toml",
      user,
    );
    assert.equal(ok.sources[0]?.tokenFile, "/etc/hoist/token");
  },
});

Deno.test({
  name: "parseConfig() reads a source's fetch timeout, and refuses one that is not a duration",
  permissions: "none",
  fn() {
    const read = (t: string) =>
      parseConfig(`[source]\nurl = "/srv/g.git"\ntimeout = "${t}"\n`, "c.toml", user).sources[0]
        ?.timeoutMs;
    assert.equal(read("90s"), 90_000);
    assert.equal(read("5m"), 300_000);
    assert.equal(parseConfig(minimal, "c.toml", user).sources[0]?.timeoutMs, undefined);
    for (const bad of ["fast", "0", "500ms", "-1s", "1d"]) {
      const e = configError(`[source]\nurl = "/srv/g.git"\ntimeout = "${bad}"\n`);
      assert.equal(e.code, "config-invalid");
      assert.match(e.message, /config\.toml:3: .*timeout: must be a duration of at least 1s/, bad);
    }
  },
});
