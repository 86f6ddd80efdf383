/**
 * Folders and files of the config: what is unsafe, and the fix doctor prints for it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { checkDir, checkFile, configFiles } from "../../lib/doctor/check_paths.ts";
import type { PathStat } from "../../lib/doctor/types.ts";

const UID = 1000;
const stat = (path: string, kind: "file" | "dir" | "other", mode: number, uid = UID): PathStat => ({
  path,
  kind,
  mode,
  uid,
});

Deno.test({
  name: "checkDir() wants a folder hoist owns that only it can write",
  permissions: "none",
  fn() {
    const cases: [string, "state_dir" | "quadlet_dir", PathStat, string, RegExp][] = [
      ["fine", "state_dir", stat("/s", "dir", 0o700), "ok", /mode 0700, uid 1000/],
      ["missing", "state_dir", { path: "/s", kind: "missing" }, "warning", /mkdir -p -m 700 '\/s'/],
      ["a file", "quadlet_dir", stat("/q", "file", 0o644), "error", /not a folder/],
      ["someone else's", "quadlet_dir", stat("/q", "dir", 0o755, 1001), "error", /chown 1000/],
      ["root's", "quadlet_dir", stat("/q", "dir", 0o755, 0), "ok", /uid 0/],
      ["group-writable", "quadlet_dir", stat("/q", "dir", 0o775), "error", /chmod go-w/],
      ["world-writable", "state_dir", stat("/s", "dir", 0o777), "error", /writable by anyone/],
      ["readable state", "state_dir", stat("/s", "dir", 0o755), "warning", /chmod 700 '\/s'/],
    ];
    for (const [what, key, s, level, text] of cases) {
      const r = checkDir(key, s, UID);
      assert.equal(r.level, level, what);
      assert.match(`${r.message} ${r.fix ?? ""}`, text, what);
    }
  },
});

Deno.test({
  name: "checkFile() refuses a credential others can read and a trust file others can write",
  permissions: "none",
  fn() {
    const key = { key: "source main ssh_key", path: "/k", secret: true };
    const signers = { key: "trust allowed_signers", path: "/a", secret: false };
    const cases: [string, typeof key, PathStat, string, RegExp][] = [
      ["private key 0600", key, stat("/k", "file", 0o600), "ok", /mode 0600/],
      ["world-readable token", key, stat("/k", "file", 0o644), "error", /chmod 600 '\/k'/],
      ["group-readable key", key, stat("/k", "file", 0o640), "error", /by its group/],
      ["key owned by root", key, stat("/k", "file", 0o600, 0), "error", /chown 1000/],
      ["missing key", key, { path: "/k", kind: "missing" }, "error", /does not exist/],
      ["a folder", key, stat("/k", "dir", 0o700), "error", /not a plain file/],
      ["signers 0644", signers, stat("/a", "file", 0o644), "ok", /mode 0644/],
      ["signers of root", signers, stat("/a", "file", 0o644, 0), "ok", /0644/],
      ["signers 0666", signers, stat("/a", "file", 0o666), "error", /chmod go-w/],
    ];
    for (const [what, file, s, level, text] of cases) {
      const r = checkFile(file, s, UID);
      assert.equal(r.level, level, what);
      assert.match(`${r.message} ${r.fix ?? ""}`, text, what);
    }
  },
});

Deno.test({
  name: "configFiles() lists every credential and trust file the config names",
  permissions: "none",
  fn() {
    const config = parseConfig(
      `[[sources]]
name = "a"
url = "git@example.org:a.git"
ssh_key = "/h/deploy_key"
ssh_known_hosts = "/h/known_hosts"
[[sources]]
name = "b"
url = "https://example.org/b.git"
token_file = "/h/token"
[trust]
gpg_keys = ["/h/keys/alice.asc"]
allowed_signers = "/h/allowed_signers"
[secrets]
env_files = ["/h/env"]
`,
      "/h/config.toml",
      { hostname: "pi", uid: 1000, home: "/home/u", env: {} },
    );
    assert.deepEqual(configFiles(config).map((f) => `${f.key} ${f.path} ${f.secret}`), [
      "source a ssh_key /h/deploy_key true",
      "source a ssh_known_hosts /h/known_hosts false",
      "source b token_file /h/token true",
      "trust gpg_keys /h/keys/alice.asc false",
      "trust allowed_signers /h/allowed_signers false",
      "secrets env_files /h/env true",
    ]);
  },
});
