import assert from "node:assert/strict";
import {
  cacheRef,
  fetchCommand,
  fetchError,
  parseFetchHead,
  TOKEN_HELPER,
  tokenHost,
} from "../../lib/adapters/git.ts";
import { HoistError } from "../../lib/errors.ts";

const req = {
  url: "--upload-pack=evil",
  branches: ["main"],
  cacheDir: "/s/cache",
  shallow: true,
  auth: {},
};

Deno.test({
  name:
    "fetchCommand() fetches the branches shallowly, follows no redirect, with -- before the URL so it cannot be an option",
  permissions: "none",
  fn() {
    const { args, env } = fetchCommand(req, false);
    assert.deepEqual(args, [
      "-C",
      "/s/cache",
      "-c",
      "http.followRedirects=false",
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
      url: "https://git.example.com/infra.git",
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
    assert.equal(env.HOIST_TOKEN_HOST, "git.example.com", "the only host the helper answers");
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

Deno.test({
  name: "tokenHost() is the https URL's host and port as written; any other URL is config-invalid",
  permissions: "none",
  fn() {
    assert.equal(tokenHost("https://git.example.com/x.git"), "git.example.com");
    assert.equal(tokenHost("https://git.example.com:8443/x.git"), "git.example.com:8443");
    assert.equal(tokenHost("https://[::1]:8443"), "[::1]:8443");
    assert.equal(tokenHost("https://git.example.com?x"), "git.example.com");
    for (
      const url of [
        "http://git.example.com/x.git",
        "HTTP://git.example.com/x.git",
        "ssh://git@git.example.com/x.git",
        "git@git.example.com:x.git",
        "git://git.example.com/x.git",
        "/srv/x.git",
        "https:///x.git",
      ]
    ) {
      assert.throws(
        () => tokenHost(url),
        (e: unknown) =>
          e instanceof HoistError && e.code === "config-invalid" &&
          e.message.startsWith(`token_file is set but ${url} `),
        url,
      );
    }
    assert.throws(
      () => tokenHost("https://user-pw-42@git.example.com/x.git"),
      (e: unknown) =>
        e instanceof HoistError && e.code === "config-invalid" && !e.message.includes("pw-42"),
    );
    assert.throws(
      () => fetchCommand({ ...req, url: "http://h/x.git", auth: { tokenFile: "/t" } }, false),
      /unencrypted/,
    );
  },
});

Deno.test({
  name: "fetchError() names a redirect, a missing branch, refused credentials or git's cause",
  permissions: "none",
  fn() {
    const url = "https://git.example.com/x.git";
    const redirect = fetchError(
      url,
      128,
      `fatal: unable to access '${url}/': The requested URL returned error: 301\n`,
    );
    assert.equal(redirect.code, "source-failed");
    assert.equal(
      redirect.message,
      `cannot fetch ${url}: the server answered with a redirect (HTTP 301), and hoist follows no redirects`,
    );
    assert.equal(
      redirect.hint,
      `Set url to the address it redirects to (curl -sI '${url}/info/refs?service=git-upload-pack' ` +
        "shows the Location); a token only ever goes to the configured server; " +
        "running services are left as they are",
    );
    const notFound = fetchError(
      url,
      128,
      `fatal: unable to access '${url}/': The requested URL returned error: 404\n`,
    );
    assert.match(notFound.message, /error: 404$/);
    assert.match(notFound.hint ?? "", /^Check the url/);
    assert.equal(
      fetchError(url, 128, "fatal: couldn't find remote ref refs/heads/web\n").message,
      `branch web does not exist in ${url}`,
    );
    assert.match(
      fetchError(url, 128, `fatal: Authentication failed for '${url}/'\n`).hint ?? "",
      /token_file/,
    );
    assert.equal(fetchError(url, 128, "").message, `cannot fetch ${url}: git exit 128`);
  },
});
