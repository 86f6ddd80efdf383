/**
 * `hoist doctor` against the real programs (git, ssh-keygen, stat, the generator, loginctl…) in a
 * temp folder: each failure planted next to a baseline where that check passes, so the error (and
 * its fix) comes from the planted fault, not from what this machine lacks.
 *
 * Linger: this machine has loginctl but no systemd-logind, so `loginctl show-user` fails and the
 * check falls back to /var/lib/systemd/linger/USER; the planted "no linger" is that file being
 * absent (the pure function is tested with a real "Linger=no" in tests/doctor/check_host_test.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import { openStore } from "../../lib/state/store.ts";
import { hostCli, makeRepo, skipWithoutQuadlet, withTempDir } from "./helpers.ts";
import { commitAs, sshSigner } from "./signing.ts";

const HOST = "pi";

/** Runs hoist with the real adapters as this process's uid, HOME in the test folder. */
const hoist = (home: string, ...argv: string[]) => hostCli(home, argv, { hostname: HOST });

type Check = { id: string; level: string; message: string; fix: string | null };

async function doctor(
  home: string,
  config: string,
): Promise<{ code: number; checks: Map<string, Check> }> {
  const r = await hoist(home, "--config", config, "doctor", "--json");
  const json = JSON.parse(r.out) as { checks: Check[] };
  return { code: r.code, checks: new Map(json.checks.map((c) => [c.id, c])) };
}

/** A signed repository, its allowed_signers, and a config writer. */
async function setup(dir: string) {
  const allowed = `${dir}/etc/allowed_signers`;
  await Deno.mkdir(`${dir}/etc`, { recursive: true });
  const alice = await sshSigner(`${dir}/keys`, "alice", allowed);
  const repo = await makeRepo(`${dir}/repo`, { "README.md": "x\n" });
  await commitAs(repo.path, alice, {
    [`gitops/${HOST}/config.yml`]: "services:\n  web: {}\n",
    [`gitops/${HOST}/web/manifest.yml`]: "Container:\n  Image: docker.io/library/busybox:1.36\n",
  });
  const state = `${dir}/state`;
  await Deno.mkdir(state, { recursive: true, mode: 0o700 });
  await Deno.chmod(state, 0o700);
  await Deno.mkdir(`${dir}/quadlets`, { recursive: true });
  const config = `${dir}/etc/config.toml`;
  const write = (extra = "", source = `url = "${repo.path}"`) =>
    Deno.writeTextFile(
      config,
      `host = "${HOST}"\nmode = "user"\nstate_dir = "${state}"\nquadlet_dir = "${dir}/quadlets"\n${extra}\n` +
        `[source]\n${source}\n\n[trust]\nallowed_signers = "${allowed}"\n`,
    );
  await write();
  return { repo, config, state, write, home: `${dir}/home` };
}

Deno.test({
  name: "doctor: with the config, folders, source, signature and DB in order those checks pass",
  ignore: skipWithoutQuadlet(),
  async fn() {
    await withTempDir(async (dir) => {
      const h = await setup(dir);
      const { checks } = await doctor(h.home, h.config);
      for (
        const id of [
          "config",
          "state_dir",
          "quadlet_dir",
          "generator",
          "source main",
          "signature main",
          "trust allowed_signers",
          "state db",
        ]
      ) {
        assert.equal(checks.get(id)?.level, "ok", `${id}: ${JSON.stringify(checks.get(id))}`);
      }
      assert.match(
        checks.get("signature main")?.message ?? "",
        /^trusted: [0-9a-f]{12} by ssh SHA256:\S+ alice$/,
      );
    });
  },
});

Deno.test({
  name:
    "doctor: a missing generator (quadlet_bin pointing nowhere) is an error with the fix, exit 1",
  async fn() {
    await withTempDir(async (dir) => {
      const h = await setup(dir);
      await h.write('quadlet_bin = "/nowhere/quadlet"');
      const { code, checks } = await doctor(h.home, h.config);
      const g = checks.get("generator");
      assert.equal(g?.level, "error");
      assert.match(g?.message ?? "", /^quadlet_bin \/nowhere\/quadlet does not run: /);
      assert.match(g?.fix ?? "", /Fix quadlet_bin/);
      assert.equal(code, 1);
    });
  },
});

Deno.test({
  name: "doctor: a world-readable token file is an error naming chmod 600; 0600 passes",
  async fn() {
    await withTempDir(async (dir) => {
      const h = await setup(dir);
      const token = `${dir}/etc/token`;
      await Deno.writeTextFile(token, "s3cret\n", { mode: 0o644 });
      await Deno.chmod(token, 0o644);
      await h.write("", `url = "https://127.0.0.1:9/gitops.git"\ntoken_file = "${token}"`);
      const bad = await doctor(h.home, h.config);
      const t = bad.checks.get("source main token_file");
      assert.equal(t?.level, "error");
      assert.match(t?.message ?? "", /can be read by anyone \(mode 0644\); it holds a credential/);
      assert.equal(t?.fix, `chmod 600 '${token}'`);
      assert.equal(bad.code, 1);
      assert.ok(
        !JSON.stringify([...bad.checks.values()]).includes("s3cret"),
        "the token never shows",
      );
      await Deno.chmod(token, 0o600);
      assert.equal(
        (await doctor(h.home, h.config)).checks.get("source main token_file")?.level,
        "ok",
      );
    });
  },
});

Deno.test({
  name:
    'doctor: with layout = "services" the sops check looks at the selected service folders only',
  async fn() {
    await withTempDir(async (dir) => {
      const h = await setup(dir);
      await commitAs(h.repo.path, await sshSigner(`${dir}/keys2`, "bob", `${dir}/etc/bob`), {
        "services/a/compose.yaml": "services:\n  app:\n    image: docker.io/library/busybox:1\n",
        "services/b/compose.yaml": "services:\n  app:\n    image: docker.io/library/busybox:1\n",
        "services/b/app.sops.env": "K=ENC[AES256_GCM,data:x]\n",
      });
      const source = (services: string) =>
        `url = "${h.repo.path}"\nlayout = "services"\npath = "services"\nservices = [${services}]`;
      await h.write("", source('"a"'));
      const a = await doctor(h.home, h.config);
      assert.equal(
        a.checks.get("source main")?.level,
        "ok",
        JSON.stringify(a.checks.get("source main")),
      );
      assert.equal(a.checks.get("sops"), undefined, "b's sops file is not a's concern");
      await h.write("", source('"a", "b"'));
      const ab = await doctor(h.home, h.config);
      const sops = ab.checks.get("sops");
      assert.ok(sops !== undefined, "b holds a sops file, so sops is checked");
      if (sops.level === "error") assert.match(sops.message, /services\/b\/app\.sops\.env/);
    });
  },
});

Deno.test({
  name: "doctor: an unsigned tip is the error apply would give, with its hint",
  async fn() {
    await withTempDir(async (dir) => {
      const h = await setup(dir);
      const tip = await commitAs(h.repo.path, undefined, { [`gitops/${HOST}/web/x.txt`]: "x\n" });
      const { code, checks } = await doctor(h.home, h.config);
      const s = checks.get("signature main");
      assert.equal(s?.level, "error");
      assert.match(s?.message ?? "", new RegExp(tip.slice(0, 12)));
      assert.match(s?.message ?? "", /unsigned|not signed|no signature/i);
      assert.ok(s?.fix, "a hint");
      assert.equal(checks.get("source main")?.level, "ok", "reachable all the same");
      assert.equal(code, 1);
    });
  },
});

Deno.test({
  name: "doctor: a state DB with garbage written into it is an error pointing at apply --adopt",
  async fn() {
    await withTempDir(async (dir) => {
      const h = await setup(dir);
      const db = `${h.state}/state.db`;
      openStore(db).close(); // the store as hoist creates it
      assert.equal(
        (await doctor(h.home, h.config)).checks.get("state db")?.message,
        `${db} intact`,
      );
      await Deno.writeFile(db, new TextEncoder().encode("this is not sqlite ".repeat(300)));
      const { code, checks } = await doctor(h.home, h.config);
      const c = checks.get("state db");
      assert.equal(c?.level, "error");
      assert.equal(c?.message, `${db}: file is not a database`);
      assert.match(c?.fix ?? "", /hoist apply --adopt/);
      assert.equal(code, 1);
    });
  },
});

Deno.test({
  name:
    "doctor: no linger for this user (no logind here: the linger file decides) is an error with loginctl enable-linger",
  async fn() {
    const user = new TextDecoder().decode(
      (await new Deno.Command("id", { args: ["-un"], stdout: "piped" }).output()).stdout,
    ).trim();
    const lingering = await Deno.stat(`/var/lib/systemd/linger/${user}`).then(
      () => true,
      () => false,
    );
    await withTempDir(async (dir) => {
      const h = await setup(dir);
      const l = (await doctor(h.home, h.config)).checks.get("linger");
      assert.equal(l?.level, lingering ? "ok" : "error", JSON.stringify(l));
      if (!lingering) assert.match(l?.fix ?? "", new RegExp(`^loginctl enable-linger ${user} `));
    });
  },
});

Deno.test({
  name: "doctor: a config that does not parse is the first check's error, with the file and line",
  async fn() {
    await withTempDir(async (dir) => {
      const h = await setup(dir);
      await Deno.writeTextFile(h.config, '[source]\nurl = "/x"\ncolour = "red"\n');
      const r = await hoist(h.home, "--config", h.config, "doctor");
      assert.equal(r.code, 1);
      assert.match(r.out, /^error +config +\S+config\.toml:3: unknown key "source\.colour"$/m);
    });
  },
});

Deno.test({
  name:
    "doctor: hoist's unit files in quadlet_dir with an emptied state DB is 'state lost' with apply --adopt",
  async fn() {
    await withTempDir(async (dir) => {
      const h = await setup(dir);
      const unit =
        "[Container]\nImage=docker.io/library/busybox:1.36\nLabel=gitops-service=web\nLabel=gitops-hash=0123456789abcdef\n";
      await Deno.writeTextFile(`${dir}/quadlets/gitops-web.container`, unit);
      const baseline = await doctor(h.home, h.config);
      assert.equal(
        baseline.checks.get("state lost")?.level,
        "error",
        "no DB yet, yet hoist's units: lost",
      );
      const store = openStore(`${h.state}/state.db`);
      store.recordUnits([{
        path: "gitops-web.container",
        service: "web",
        serviceUnit: "gitops-web.service",
      }]);
      store.close();
      const known = await doctor(h.home, h.config);
      assert.equal(known.checks.get("state lost"), undefined, "the inventory knows the file");
      await Deno.writeTextFile(`${h.state}/state.db`, "");
      await Deno.remove(`${h.state}/state.db-wal`).catch(() => {});
      const lost = await doctor(h.home, h.config);
      const check = lost.checks.get("state lost");
      assert.equal(check?.level, "error");
      assert.match(check?.message ?? "", /records nothing, but quadlet_dir holds 1 unit file/);
      assert.match(check?.fix ?? "", /hoist apply --adopt/);
      assert.equal(lost.code, 1);
      for (const key of ["space state_dir", "space quadlet_dir"]) {
        assert.ok(
          ["ok", "warning"].includes(lost.checks.get(key)?.level ?? ""),
          `${key}: ${JSON.stringify(lost.checks.get(key))}`,
        );
      }
    });
  },
});
