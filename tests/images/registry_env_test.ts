/**
 * withRegistryAuth(): REGISTRY_AUTH_FILE only in the units whose image is on a registry hoist has
 * credentials for; what the plan then does (one restart of those services, nothing for the rest).
 */
import assert from "node:assert/strict";
import { withRegistryAuth } from "../../lib/images/registry_env.ts";
import { reconcile } from "../../lib/reconcile/reconcile.ts";
import { cleanDesired, configYml, deployed, manifest, svc } from "../reconcile/helpers.ts";
import { PURE } from "../support/pure.ts";

const AUTH = { file: "/var/lib/hoist/auth.json", hosts: ["ghcr.io", "127.0.0.1:5000"] };

const D = cleanDesired({
  "config.yml": configYml(["priv", "pub", "loc", "img", "built"]),
  "priv/manifest.yml": manifest("ghcr.io/acme/web:1"),
  "pub/manifest.yml": manifest("docker.io/library/redis:7"),
  "loc/manifest.yml": manifest("localhost/loc:1"),
  "img/app.container": "[Container]\nImage=app.image\n",
  "img/app.image": "[Image]\nImage=127.0.0.1:5000/team/app:2\n",
  "built/b.container": "[Container]\nImage=b.build\n",
  "built/b.build": "[Build]\nImageTag=ghcr.io/acme/built:dev\nFile=Containerfile\n",
  "built/Containerfile": "FROM scratch\n",
});

const authed = (name: string) =>
  svc(withRegistryAuth(D, AUTH), name).units.filter((u) =>
    u.content.includes("Environment=REGISTRY_AUTH_FILE=/var/lib/hoist/auth.json\n")
  ).map((u) => u.path);

Deno.test({
  name: "withRegistryAuth() adds the auth file to containers and .image units of those registries",
  permissions: PURE,
  fn() {
    assert.deepEqual(authed("priv"), ["gitops-priv.container"]);
    assert.deepEqual(authed("img"), ["gitops-img/app.image"]);
    for (const s of ["pub", "loc", "built"]) assert.deepEqual(authed(s), [], s);
    const unit = svc(withRegistryAuth(D, AUTH), "priv").units[0]?.content ?? "";
    assert.match(
      unit,
      /\n\n\[Service\]\n# hoist: credentials for ghcr\.io from \[\[registries\]\]\nEnvironment=REGISTRY_AUTH_FILE=\/var\/lib\/hoist\/auth\.json\n$/,
    );
  },
});

Deno.test({
  name: "withRegistryAuth() leaves the desired state as it is without [[registries]]",
  permissions: PURE,
  fn() {
    assert.equal(withRegistryAuth(D, undefined), D);
    assert.equal(withRegistryAuth(D, { file: "/x", hosts: [] }), D);
    assert.equal(withRegistryAuth(D, { file: "/x", hosts: ["quay.io"] }), D);
  },
});

Deno.test({
  name: "withRegistryAuth() escapes % and quotes a path with a space for systemd",
  permissions: PURE,
  fn() {
    const d = withRegistryAuth(D, { file: "/srv/my state/100%/auth.json", hosts: ["ghcr.io"] });
    assert.match(
      svc(d, "priv").units[0]?.content ?? "",
      /\nEnvironment="REGISTRY_AUTH_FILE=\/srv\/my state\/100%%\/auth\.json"\n$/,
    );
  },
});

Deno.test({
  name: "reconcile() restarts, once, only the services whose units gain REGISTRY_AUTH_FILE",
  permissions: PURE,
  fn() {
    const withAuth = withRegistryAuth(D, AUTH);
    const p = reconcile(withAuth, deployed(D), { keepCopies: 3 });
    const lines = p.actions.map((a) =>
      [a.kind, "service" in a ? a.service : undefined, a.code].filter(Boolean).join(" ")
    );
    assert.deepEqual(lines, [
      "pull img images-first",
      "pull priv images-first",
      "write img file-differs",
      "write priv file-differs",
      "daemon-reload units-changed",
      "restart img file-differs",
      "restart priv file-differs",
    ]);
    // the hash is the commit's: the same on both sides
    assert.equal(svc(withAuth, "priv").hash, svc(D, "priv").hash);
    assert.deepEqual(reconcile(withAuth, deployed(withAuth), { keepCopies: 3 }).actions, []);
  },
});

Deno.test({
  name:
    "reconcile() rewrites and restarts the services whose units lose REGISTRY_AUTH_FILE once [[registries]] are removed, pulls first",
  permissions: PURE,
  fn() {
    // the pulls come first: the apply's first batch of pulls asks for the auth file, which then
    // removes the one an earlier run wrote (prepareAuthFile, tests/integration/registry_auth_test.ts)
    const p = reconcile(withRegistryAuth(D, undefined), deployed(withRegistryAuth(D, AUTH)), {
      keepCopies: 3,
    });
    assert.deepEqual(
      p.actions.map((a) =>
        [a.kind, "service" in a ? a.service : undefined, a.code].filter(Boolean).join(" ")
      ),
      [
        "pull img images-first",
        "pull priv images-first",
        "write img file-differs",
        "write priv file-differs",
        "daemon-reload units-changed",
        "restart img file-differs",
        "restart priv file-differs",
      ],
    );
    for (const a of p.actions) {
      if (a.kind === "write") assert.doesNotMatch(a.content, /REGISTRY_AUTH_FILE/);
    }
  },
});
