import assert from "node:assert/strict";
import { cacheRef, fetchCommand, parseFetchHead, TOKEN_HELPER } from "../../lib/adapters/git.ts";

const req = {
  url: "--upload-pack=evil",
  branches: ["main"],
  cacheDir: "/s/cache",
  shallow: true,
  auth: {},
};

Deno.test({
  name:
    "fetchCommand() fetches the branches shallowly, with -- before the URL so it cannot be an option",
  permissions: "none",
  fn() {
    const { args, env } = fetchCommand(req, false);
    assert.deepEqual(args, [
      "-C",
      "/s/cache",
      "fetch",
      "--quiet",
      "--no-tags",
      "--depth=1",
      "--",
      "--upload-pack=evil",
      `+refs/heads/main:${cacheRef("main")}`,
    ]);
    assert.equal(env.GIT_SSH_COMMAND, undefined);
  },
});

Deno.test({
  name: "fetchCommand() keeps history when asked, and unshallows a shallow cache",
  permissions: "none",
  fn() {
    const full = fetchCommand({ ...req, shallow: false }, false).args;
    assert.ok(!full.includes("--depth=1") && !full.includes("--unshallow"));
    assert.ok(fetchCommand({ ...req, shallow: false }, true).args.includes("--unshallow"));
  },
});

Deno.test({
  name:
    "fetchCommand() passes credentials by file: ssh key in GIT_SSH_COMMAND, token through a helper",
  permissions: "none",
  fn() {
    const { args, env } = fetchCommand({
      ...req,
      auth: {
        sshKey: "/etc/hoist/deploy key",
        knownHosts: "/etc/hoist/known_hosts",
        tokenFile: "/etc/hoist/token",
      },
    }, false);
    assert.equal(
      env.GIT_SSH_COMMAND,
      "ssh -o BatchMode=yes -i '/etc/hoist/deploy key' -o IdentitiesOnly=yes " +
        "-o UserKnownHostsFile='/etc/hoist/known_hosts' -o StrictHostKeyChecking=yes",
    );
    assert.equal(env.HOIST_TOKEN_FILE, "/etc/hoist/token");
    assert.ok(args.includes(`credential.helper=${TOKEN_HELPER}`));
    assert.ok(
      args.indexOf("credential.helper=") < args.indexOf(`credential.helper=${TOKEN_HELPER}`),
    );
  },
});

Deno.test({
  name: "parseFetchHead() reads the commit of each fetched branch",
  permissions: "none",
  fn() {
    const a = "29800895f26ae97398e9b54a5426a6c29c5b221b";
    const b = "d7aa6dde7a5e26e1adcfb090b8db7a57f482b25f";
    const heads = parseFetchHead(
      `${a}\t\tbranch 'main' of /srv/gitops\n${b}\tnot-for-merge\tbranch 'web' of /srv/gitops\n`,
    );
    assert.deepEqual([...heads], [["main", a], ["web", b]]);
    assert.equal(parseFetchHead("").size, 0);
  },
});
