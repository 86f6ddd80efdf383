/**
 * Acting for another account: argv of the user manager and of podman as that account, account
 * lookups, and the account's quadlet files written with the real runuser as the real account
 * `nobody` (when this test runs as root), read only when they are plain files the account owns.
 */
import assert from "node:assert/strict";
import { baseArgs } from "../../lib/adapters/systemctl.ts";
import { type CommandSpec, createRunner } from "../../lib/adapters/run_command.ts";
import {
  asAccount,
  createAccountTarget,
  isPrivateGroup,
  parsePasswd,
  readAccounts,
  shareCopy,
} from "../../lib/adapters/user_manager.ts";
import { HoistError } from "../../lib/errors.ts";

const E2E = { name: "e2e", uid: 1001, gid: 1001, home: "/home/e2e", lingers: true };

Deno.test("systemctl for an account talks to its user manager: --user --machine=NAME@", () => {
  assert.deepEqual(baseArgs("system", "e2e"), ["--user", "--machine=e2e@"]);
  assert.deepEqual(baseArgs("system"), []);
  assert.deepEqual(baseArgs("user"), ["--user"]);
});

Deno.test("commands for an account run through runuser with its runtime folder", async () => {
  const calls: CommandSpec[] = [];
  const target = createAccountTarget((spec) => {
    calls.push(spec);
    return Promise.resolve({ code: 0, stdout: new TextEncoder().encode("[]"), stderr: "" });
  }, E2E);
  await target.podman.listContainers();
  await target.systemctl.daemonReload();
  assert.deepEqual(calls.map((c) => [c.cmd, ...c.args].slice(0, 6)), [
    ["runuser", "-u", "e2e", "--", "podman", "ps"],
    ["systemctl", "--user", "--machine=e2e@", "daemon-reload"],
  ]);
  assert.equal(calls[0]?.env?.XDG_RUNTIME_DIR, "/run/user/1001");
  assert.equal(calls[0]?.cwd, "/");
  assert.deepEqual(asAccount({ cmd: "podman", args: ["ps"] }, E2E).args, [
    "-u",
    "e2e",
    "--",
    "podman",
    "ps",
  ]);
});

Deno.test("parsePasswd() reads name, uid, gid and home, skipping malformed lines", () => {
  const text = [
    "root:x:0:0:root:/root:/bin/bash",
    "e2e:x:1001:1001::/home/e2e:/bin/bash",
    "broken:x:abc:1:::/bin/sh",
    "nohome:x:5:5::relative:/bin/sh",
    "# comment",
    "",
  ].join("\n");
  assert.deepEqual([...parsePasswd(text)], [
    ["root", { uid: 0, gid: 0, home: "/root" }],
    ["e2e", { uid: 1001, gid: 1001, home: "/home/e2e" }],
  ]);
});

Deno.test("readAccounts() reports a missing account as undefined and linger from systemd's folder", async () => {
  const fs = {
    readText: (p: string) =>
      Promise.resolve(
        p === "/etc/passwd"
          ? "e2e:x:1001:1001::/home/e2e:/bin/bash\nidle:x:7:7::/var/idle:/bin/sh\n"
          : undefined,
      ),
    exists: (p: string) => Promise.resolve(p === "/var/lib/systemd/linger/e2e"),
  };
  const found = await readAccounts(fs, ["idle", "e2e", "ghost"]);
  assert.deepEqual([...found], [
    ["e2e", E2E],
    ["ghost", undefined],
    ["idle", { name: "idle", uid: 7, gid: 7, home: "/var/idle", lingers: false }],
  ]);
  assert.deepEqual([...await readAccounts(fs, [])], []);
  const withIds = {
    ...fs,
    readText: (p: string) =>
      p === "/etc/subuid" || p === "/etc/subgid"
        ? Promise.resolve("e2e:100000:65536\n7:200000:0\n")
        : fs.readText(p),
  };
  const ids = await readAccounts(withIds, ["e2e", "idle"]);
  assert.equal(ids.get("e2e")?.subids, true);
  assert.equal(ids.get("idle")?.subids, false, "a range of 0 ids is none");
});

const asRoot = Deno.uid() === 0;

Deno.test({
  name:
    "an account's quadlet files are written as that account (real runuser, account nobody), read back, and removed with their empty folder",
  ignore: !asRoot,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "hoist-account-" });
    try {
      await Deno.chmod(home, 0o755);
      await Deno.chown(home, 65534, 65534);
      const nobody = { name: "nobody", uid: 65534, gid: 65534, home, lingers: true };
      const { files } = createAccountTarget(createRunner(), nobody);
      await files.write("web/app.container", "[Container]\nImage=x\n");
      const path = `${home}/.config/containers/systemd/web/app.container`;
      const st = await Deno.stat(path);
      assert.equal(st.uid, 65534, "owned by the account");
      assert.equal((st.mode ?? 0) & 0o777, 0o644);
      assert.equal(await files.read("web/app.container"), "[Container]\nImage=x\n");
      assert.equal(await files.read("missing.container"), undefined);
      await files.remove("web/app.container");
      assert.equal(await files.read("web/app.container"), undefined);
      await assert.rejects(Deno.stat(`${home}/.config/containers/systemd/web`));
      await assert.rejects(files.write("../escape.container", "x"), HoistError);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "an account's unit file that is a symlink, or owned by someone else, is refused, never read (no root file leaks into a diff)",
  ignore: !asRoot,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "hoist-account-" });
    try {
      const dir = `${home}/.config/containers/systemd`;
      await Deno.mkdir(dir, { recursive: true });
      const secret = `${home}/root-only`;
      await Deno.writeTextFile(secret, "root secret\n", { mode: 0o600 });
      await Deno.symlink(secret, `${dir}/link.container`);
      await Deno.writeTextFile(`${dir}/rootowned.container`, "[Container]\n");
      const nobody = { name: "nobody", uid: 65534, gid: 65534, home, lingers: true };
      const { files } = createAccountTarget(createRunner(), nobody);
      for (const rel of ["link.container", "rootowned.container"]) {
        await assert.rejects(files.read(rel), (e: unknown) => {
          assert.ok(e instanceof HoistError);
          assert.match(e.message, /is not a plain file owned by nobody: refusing to read it/);
          return true;
        });
      }
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "shareCopy() makes a copy readable by the account alone: root:GROUP 0750/0640 for a private group, else owned by it 0500/0400; its parents get o+x",
  ignore: !asRoot,
  async fn() {
    for (const privateGroup of [true, false]) {
      const top = await Deno.makeTempDir({ prefix: "hoist-state-" });
      try {
        await Deno.chmod(top, 0o700);
        const dir = `${top}/services/web/abc`;
        await Deno.mkdir(`${dir}/www`, { recursive: true });
        await Deno.writeTextFile(`${dir}/www/index.html`, "hi\n", { mode: 0o644 });
        await Deno.writeTextFile(`${dir}/db.env`, "K=v\n", { mode: 0o600 });
        await shareCopy(dir, { uid: 65534, gid: 65534, privateGroup }, top);
        const st = async (p: string) => {
          const s = await Deno.stat(p);
          return `${s.uid}:${s.gid} ${((s.mode ?? 0) & 0o777).toString(8)}`;
        };
        const [d, f] = privateGroup
          ? ["0:65534 750", "0:65534 640"]
          : ["65534:0 500", "65534:0 400"];
        assert.equal(await st(dir), d);
        assert.equal(await st(`${dir}/www/index.html`), f);
        assert.equal(await st(`${dir}/db.env`), f);
        assert.equal(((await Deno.stat(top)).mode ?? 0) & 0o777, 0o701);
        assert.equal(((await Deno.stat(`${top}/services/web`)).mode ?? 0) & 0o001, 0o001);
      } finally {
        await Deno.remove(top, { recursive: true });
      }
    }
  },
});

Deno.test("isPrivateGroup() is true only when no other account has the group or is a member", () => {
  const passwd = parsePasswd(
    "e2e:x:1001:1001::/home/e2e:/bin/sh\nann:x:1002:100::/home/ann:/bin/sh\nbob:x:1003:100::/home/bob:/bin/sh\nsvc:x:1004:1004::/srv:/bin/sh\n",
  );
  const group = "e2e:x:1001:\nusers:x:100:\nsvc:x:1004:svc,ann\n";
  assert.equal(isPrivateGroup(group, passwd, "e2e"), true);
  assert.equal(isPrivateGroup(group, passwd, "ann"), false, "bob shares gid 100");
  assert.equal(isPrivateGroup(group, passwd, "svc"), false, "ann is a member");
  assert.equal(isPrivateGroup("", passwd, "e2e"), false, "no group line: not known to be private");
});
