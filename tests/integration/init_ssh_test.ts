/**
 * `hoist init` with an ssh:// repository on a real sshd (tests/integration/servers.ts): it makes
 * the deploy key (0600) and prints its public half, pins the server's host key in known_hosts
 * (ssh-keyscan, fingerprint shown), and once the Git server accepts the key, hoist fetches with it
 * and plans (FAKE podman + systemd for the plan).
 */
import assert from "node:assert/strict";
import { createFakeHost } from "../support/fake_host.ts";
import { hostCli, makeRepo, show, skipUnless, withTempDir } from "./helpers.ts";
import { bareMirror, SSHD, startSshd } from "./servers.ts";
import { commitAs, sshSigner } from "./signing.ts";

const HOST = "pi";
const ignore = skipUnless(
  (() => {
    try {
      Deno.statSync(SSHD);
      return undefined;
    } catch {
      return `${SSHD} not found: skipping init's ssh test (apt-get install openssh-server)`;
    }
  })(),
);

Deno.test({
  name:
    "init with an ssh:// repository: a deploy key, the host key pinned, then a plan through them",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const alice = await sshSigner(`${dir}/keys`, "alice");
      const repo = await makeRepo(`${dir}/repo`, { "README.md": "x\n" });
      await commitAs(repo.path, alice, {
        [`gitops/${HOST}/config.yml`]: "services:\n  web: {}\n",
        [`gitops/${HOST}/web/manifest.yml`]:
          "Container:\n  Image: docker.io/library/busybox:1.36\n",
      });
      const mirror = await bareMirror(repo.path, `${dir}/served.git`);
      await Deno.mkdir(`${dir}/sshd`);
      const sshd = await startSshd(`${dir}/sshd`, []); // the deploy key is not there yet
      try {
        const home = `${dir}/home`;
        await Deno.mkdir(home);
        const config = `${home}/.config/hoist/config.toml`;
        const r = await hostCli(
          home,
          [
            "--config",
            config,
            "init",
            "--yes",
            "--rootless",
            "--repo",
            sshd.url(mirror.path),
            "--host",
            HOST,
            "--signer",
            `${dir}/keys/alice_ed25519.pub`,
          ],
          { hostname: HOST },
        );
        assert.equal(r.code, 0, show(r));
        const keyPath = `${home}/.config/hoist/deploy_key`;
        assert.equal(((await Deno.stat(keyPath)).mode ?? 0) & 0o777, 0o600);
        const pub = (await Deno.readTextFile(`${keyPath}.pub`)).trim();
        assert.match(pub, /^ssh-ed25519 \S+ hoist@pi$/);
        assert.ok(`${r.out}${r.err}`.includes(pub), `init prints the public half:\n${show(r)}`);
        const known = await Deno.readTextFile(`${home}/.config/hoist/known_hosts`);
        assert.ok(known.includes(sshd.hostKey), `the host key is pinned:\n${known}`);
        assert.match(`${r.out}${r.err}`, /SHA256:\S+/, "the fingerprint is shown");
        const cfg = await Deno.readTextFile(config);
        assert.match(cfg, new RegExp(`^ssh_key = "${keyPath}"`, "m"));
        assert.match(cfg, /^ssh_known_hosts = /m);

        // the Git server accepts the deploy key: hoist fetches over ssh with it and plans
        await Deno.writeTextFile(`${dir}/sshd/authorized_keys`, `${pub}\n`);
        const fake = createFakeHost({ quadletDir: `${home}/.config/containers/systemd`, home });
        const p = await hostCli(home, ["--config", config, "plan", "--json"], {
          hostname: HOST,
          run: fake.run,
        });
        assert.equal(p.code, 0, `${show(p)}\n--- sshd\n${sshd.stderr()}`);
        const json = JSON.parse(p.out) as { actions: { kind: string; service: string }[] };
        assert.ok(json.actions.some((a) => a.kind === "start" && a.service === "web"), p.out);
      } finally {
        await sshd.stop();
      }
    });
  },
});
