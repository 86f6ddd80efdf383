import assert from "node:assert/strict";
import { fetchArgs, parseFetchHead } from "../../lib/adapters/git.ts";

Deno.test({
  name:
    "fetchArgs() fetches one branch shallowly, with -- before the URL so it cannot be an option",
  permissions: "none",
  fn() {
    assert.deepEqual(fetchArgs("/s/cache", "--upload-pack=evil", "main"), [
      "-C",
      "/s/cache",
      "fetch",
      "--quiet",
      "--no-tags",
      "--depth=1",
      "--",
      "--upload-pack=evil",
      "refs/heads/main",
    ]);
  },
});

Deno.test({
  name: "parseFetchHead() reads the commit id of the fetched branch",
  permissions: "none",
  fn() {
    const sha = "29800895f26ae97398e9b54a5426a6c29c5b221b";
    assert.equal(parseFetchHead(`${sha}\t\tbranch 'main' of /srv/gitops\n`), sha);
    assert.equal(parseFetchHead(""), undefined);
  },
});
