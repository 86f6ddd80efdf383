import assert from "node:assert/strict";
import { withKeyWarnings } from "../../lib/remote/key_warnings.ts";
import { cleanDesired, configYml, deployed, manifest, plan } from "../reconcile/helpers.ts";
import { PURE } from "../support/pure.ts";
import { ALICE, BOB } from "./keys_fixture.ts";

Deno.test({
  name:
    "withKeyWarnings() makes each malformed line of a committed ssh/ key file a plan warning at its line",
  permissions: PURE,
  fn() {
    const d = cleanDesired({
      "config.yml": configYml(["db", "web"]),
      "web/manifest.yml": manifest("docker.io/library/nginx:1.27"),
      "web/ssh/alice.pub": `${ALICE.line}\n`,
      "web/ssh/broken.pub": "ssh-ed25519 not-base64!! mallory\n",
      "db/manifest.yml": manifest("docker.io/library/postgres:17"),
      "db/ssh/keys": `# the db people\n${BOB.line}\nnot a key line\n`,
      "db/notes/ssh/keys": "ignored: not directly in the service's ssh/ folder\n",
      "ssh/admins.pub": "\n\nssh-rsa\n",
    });
    const base = plan(d, deployed(d));
    const got = withKeyWarnings(base, d);
    assert.deepEqual(got.actions, base.actions);
    assert.deepEqual(
      got.problems.map((p) => `${p.level} ${p.file}:${p.line} ${p.service ?? "-"}`),
      [
        "warning gitops/h1/ssh/admins.pub:3 -",
        "warning gitops/h1/db/ssh/keys:3 db",
        "warning gitops/h1/web/ssh/broken.pub:1 web",
      ],
    );
    assert.ok(got.problems.every((p) => p.message.startsWith("not a usable SSH public key: ")));
    assert.equal(
      withKeyWarnings(
        plan(d, deployed(d)),
        cleanDesired({
          "config.yml": configYml(["web"]),
          "web/manifest.yml": manifest("docker.io/library/nginx:1.27"),
          "web/ssh/alice.pub": `${ALICE.line}\n`,
        }),
      ).problems.length,
      0,
    );
  },
});
