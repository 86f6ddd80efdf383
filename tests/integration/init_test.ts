/**
 * `hoist init` in a temp home (rootless) against a local signed repository, with the real
 * ssh-keygen, git, stat and generator: the files and their modes, a config parseConfig accepts,
 * doctor's checks of what init set up, a plan that works (fake podman/systemd), a second run that
 * changes nothing, refusals that leave nothing half-written, and the questions answered through
 * a pseudo-terminal (`script` from util-linux).
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { runCli } from "../../lib/cli/program.ts";
import { buildDeps } from "../../lib/deps.ts";
import { createFakeHost } from "../support/fake_host.ts";
import {
  captureIo,
  hostCli,
  makeRepo,
  ROOT,
  show,
  skipWithoutQuadlet,
  withTempDir,
} from "./helpers.ts";
import { commitAs, sshSigner } from "./signing.ts";

const HOST = "pi";
/** Runs hoist with the real adapters as this process's uid, HOME in the test folder. */
const hoist = (home: string, ...argv: string[]) => hostCli(home, argv, { hostname: HOST });

const mode = async (p: string) => ((await Deno.stat(p)).mode ?? 0) & 0o777;

async function setup(dir: string) {
  await sshSigner(`${dir}/keys`, "alice");
  const signer = `${dir}/keys/alice_ed25519.pub`;
  const alice = await sshSigner(`${dir}/keys2`, "alice2");
  const repo = await makeRepo(`${dir}/repo`, { "README.md": "x\n" });
  const home = `${dir}/home`;
  await Deno.mkdir(home, { recursive: true });
  const config = `${home}/.config/hoist/config.toml`;
  return { repo, signer, alice, home, config };
}

/** `hoist init` as a process (stdin as given), HOME in the test folder. */
async function initProcess(home: string, args: string[], stdin: "null" | string) {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/main.ts`, ...args],
    env: { HOME: home, NO_COLOR: "1" },
    stdin: stdin === "null" ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== "null") {
    const w = cmd.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await cmd.output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

Deno.test({
  name:
    "init --yes --rootless: config, allowed_signers, units and state_dir with their modes; doctor passes them; plan works; a second run changes nothing",
  ignore: skipWithoutQuadlet(),
  async fn() {
    await withTempDir(async (dir) => {
      const s = await setup(dir);
      // the repository's tip is signed by a key init is not given: first a signed tip by alice
      const alice = await sshSigner(`${dir}/keys3`, "alice3");
      await commitAs(s.repo.path, alice, {
        [`gitops/${HOST}/config.yml`]: "services:\n  web: {}\n",
        [`gitops/${HOST}/web/manifest.yml`]:
          "Container:\n  Image: docker.io/library/busybox:1.36\n",
      });
      const signer = `${dir}/keys3/alice3_ed25519.pub`;
      const argv = [
        "--config",
        s.config,
        "init",
        "--yes",
        "--rootless",
        "--repo",
        s.repo.path,
        "--host",
        HOST,
        "--signer",
        signer,
      ];
      const r = await hoist(s.home, ...argv);
      assert.equal(r.code, 0, show(r));
      const cfgDir = `${s.home}/.config/hoist`;
      const units = `${s.home}/.config/systemd/user`;
      assert.equal(await mode(s.config), 0o600);
      assert.equal(await mode(`${cfgDir}/allowed_signers`), 0o644);
      assert.equal(await mode(`${s.home}/.local/state/hoist`), 0o700);
      const pub = (await Deno.readTextFile(signer)).trim().split(" ").slice(0, 2).join(" ");
      assert.equal(
        (await Deno.readTextFile(`${cfgDir}/allowed_signers`)).split("\n")[1],
        `alice3 namespaces="git" ${pub}`,
      );
      assert.equal(
        await Deno.readTextFile(`${units}/hoist.service`),
        await Deno.readTextFile(`${ROOT}/quadlets/hoist-user.service`),
      );
      assert.equal(
        await Deno.readTextFile(`${units}/hoist.timer`),
        await Deno.readTextFile(`${ROOT}/quadlets/hoist.timer`),
      );
      assert.match(
        await Deno.readTextFile(`${units}/hoist.service.d/hoist-config.conf`),
        new RegExp(`Environment="HOIST_CONFIG=${s.config}"`),
      );
      const text = await Deno.readTextFile(s.config);
      const config = parseConfig(text, s.config, {
        hostname: HOST,
        uid: 0,
        home: s.home,
        env: {},
      });
      assert.equal(config.host, HOST);
      assert.equal(config.mode, "user");
      assert.deepEqual(config.sources.map((x) => x.url), [s.repo.path]);
      assert.equal(config.trust.allowedSigners, `${cfgDir}/allowed_signers`);
      assert.doesNotMatch(
        text,
        /^host|^branch|^state_dir|^quadlet_dir/m,
        "only keys that differ from the defaults",
      );
      for (
        const id of ["config", "state_dir", "quadlet_dir", "source main", "trust allowed_signers"]
      ) {
        assert.match(r.out, new RegExp(`^ok +${id} `, "m"), `doctor: ${id}`);
      }
      assert.match(r.out, /^ok +signature main +trusted: [0-9a-f]{12} by ssh \S+ alice3$/m);
      assert.match(r.out, /^hoist plan for host pi at [0-9a-f]{12}/m, "init ends with a plan");

      const fake = createFakeHost({ quadletDir: config.quadletDir, home: s.home });
      const capture = captureIo(s.home);
      const plan = await runCli(["--config", s.config, "plan"], {
        ...capture.io,
        ctx: { ...capture.io.ctx, hostname: HOST },
      }, (c) => buildDeps(c, fake.run));
      const printed = capture.take();
      assert.equal(plan, 0, printed.err);
      assert.match(printed.out, /\+ write gitops-web\.container \(web\)/);

      const before = await Deno.stat(s.config);
      const again = await hoist(s.home, ...argv);
      assert.equal(again.code, 0, show(again));
      assert.match(again.out, /^ok: 5 file\(s\) already as they should be$/m);
      assert.doesNotMatch(again.out, /^ok: wrote /m);
      assert.equal((await Deno.stat(s.config)).mtime?.getTime(), before.mtime?.getTime());
    });
  },
});

Deno.test({
  name:
    "init refuses to overwrite a changed file without --force (writing nothing), and overwrites it with --force",
  async fn() {
    await withTempDir(async (dir) => {
      const s = await setup(dir);
      const argv = [
        "--config",
        s.config,
        "init",
        "--yes",
        "--rootless",
        "--repo",
        s.repo.path,
        "--signer",
        s.signer,
      ];
      assert.equal((await hoist(s.home, ...argv)).code, 0);
      await Deno.writeTextFile(s.config, "# mine\n");
      const timer = `${s.home}/.config/systemd/user/hoist.timer`;
      await Deno.remove(timer);
      const r = await hoist(s.home, ...argv);
      assert.equal(r.code, 64, show(r));
      assert.match(
        r.err,
        new RegExp(`error: hoist init would overwrite ${s.config}\n  hint: Nothing was written`),
      );
      assert.equal(await Deno.readTextFile(s.config), "# mine\n");
      assert.equal(
        await Deno.stat(timer).then(() => true, () => false),
        false,
        "nothing else either",
      );
      const forced = await hoist(s.home, ...argv, "--force");
      assert.equal(forced.code, 0, show(forced));
      assert.match(await Deno.readTextFile(s.config), /^\[source\]$/m);
      await Deno.stat(timer);
    });
  },
});

Deno.test({
  name:
    "init refuses a private key as signer, a URL with credentials, and stdin that is no terminal without --yes; nothing is written",
  async fn() {
    await withTempDir(async (dir) => {
      const s = await setup(dir);
      const base = ["--config", s.config, "init", "--yes", "--rootless"];
      const priv = await hoist(
        s.home,
        ...base,
        "--repo",
        s.repo.path,
        "--signer",
        `${dir}/keys/alice_ed25519`,
      );
      assert.equal(priv.code, 64, show(priv));
      assert.match(priv.err, /--signer \S+alice_ed25519 is a private key; give the public half/);
      const creds = await hoist(
        s.home,
        ...base,
        "--repo",
        "https://bob:hunter2@git.example.org/x.git",
        "--signer",
        s.signer,
      );
      assert.equal(creds.code, 1, show(creds));
      assert.match(creds.err, /source\.url: must not contain credentials/);
      const notKey = `${dir}/notes.txt`;
      await Deno.writeTextFile(notKey, "hello\n");
      const junk = await hoist(s.home, ...base, "--repo", s.repo.path, "--signer", notKey);
      assert.match(junk.err, /is not a public key/);
      const noTty = await initProcess(
        s.home,
        ["--config", s.config, "init", "--repo", s.repo.path],
        "null",
      );
      assert.equal(noTty.code, 64, show(noTty));
      assert.match(
        noTty.err,
        /error: hoist init asks questions, but stdin is not a terminal\n {2}hint: Pass --yes/,
      );
      assert.equal(await Deno.stat(`${s.home}/.config`).then(() => true, () => false), false);
    });
  },
});

const hasScript = await new Deno.Command("script", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success, () => false);

Deno.test({
  name:
    "init on a terminal asks each question with its default; the answers typed in a pseudo-terminal become the config",
  ignore: !hasScript,
  async fn() {
    await withTempDir(async (dir) => {
      const s = await setup(dir);
      const line = `'${Deno.execPath()}' run -A '${ROOT}/main.ts' --config '${s.config}' init`;
      // mode, repository, branch (Enter: main), host, signers
      const answers = `rootless\n${s.repo.path}\n\nweb-1\n${s.signer}\n`;
      const cmd = new Deno.Command("script", {
        args: ["-qec", line, "/dev/null"],
        env: { HOME: s.home, NO_COLOR: "1", TERM: "dumb" },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = cmd.stdin.getWriter();
      await w.write(new TextEncoder().encode(answers));
      await w.close();
      const out = await cmd.output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, text);
      assert.match(text, /Mode \(rootless or rootful\) \[(rootless|rootful)\]: /);
      assert.match(text, /Git repository URL: /);
      assert.match(text, /Branch \[main\]: /);
      assert.match(text, /Host folder \(gitops\/<host>\/\) \[[^\]]+\]: /);
      const config = parseConfig(await Deno.readTextFile(s.config), s.config, {
        hostname: "elsewhere",
        uid: 0,
        home: s.home,
        env: {},
      });
      assert.equal(config.host, "web-1");
      assert.equal(config.mode, "user");
      assert.deepEqual(config.sources.map((x) => x.kind === "host-folders" && x.branch), ["main"]);
      assert.equal(config.trust.allowedSigners, `${s.home}/.config/hoist/allowed_signers`);
    });
  },
});
