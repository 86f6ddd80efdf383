/** Image references from the repository: tags, digests, both, short names, registry ports, and what is refused. */
import assert from "node:assert/strict";
import { isFullyQualified, parseImageRef, registryOf } from "../../lib/images/image_ref.ts";

const D = "sha256:" + "ab".repeat(32);

const good: [string, { registry?: string; path: string; tag?: string; digest?: string }][] = [
  ["redis", { path: "redis" }],
  ["redis:7", { path: "redis", tag: "7" }],
  ["library/redis:7-alpine", { path: "library/redis", tag: "7-alpine" }],
  ["docker.io/library/redis:7", { registry: "docker.io", path: "library/redis", tag: "7" }],
  ["ghcr.io/acme/web:1.4", { registry: "ghcr.io", path: "acme/web", tag: "1.4" }],
  [`ghcr.io/acme/web@${D}`, { registry: "ghcr.io", path: "acme/web", digest: D }],
  [`ghcr.io/acme/web:1.4@${D}`, { registry: "ghcr.io", path: "acme/web", tag: "1.4", digest: D }],
  ["127.0.0.1:5000/team/app:latest", {
    registry: "127.0.0.1:5000",
    path: "team/app",
    tag: "latest",
  }],
  ["localhost/busybox:latest", { registry: "localhost", path: "busybox", tag: "latest" }],
  ["localhost:5000/busybox", { registry: "localhost:5000", path: "busybox" }],
  ["registry.example.org/a/b/c/d:v_1.2-rc", {
    registry: "registry.example.org",
    path: "a/b/c/d",
    tag: "v_1.2-rc",
  }],
];

for (const [text, want] of good) {
  Deno.test({
    name: `parseImageRef(${JSON.stringify(text)})`,
    permissions: "none",
    fn() {
      assert.deepEqual(parseImageRef(text), {
        text,
        registry: want.registry,
        path: want.path,
        tag: want.tag,
        digest: want.digest,
      });
    },
  });
}

const bad: [string, RegExp][] = [
  ["", /empty/],
  ["redis 7", /whitespace/],
  ["redis\n[Service]", /whitespace or a control character/],
  ["$(id)/x", /shell or quoting/],
  ["web;rm", /shell or quoting/],
  ["web@sha256:abc", /64 lowercase hex/],
  [`web@sha512:${"a".repeat(64)}`, /not sha256:/],
  [`web@sha256:${"A".repeat(64)}`, /lowercase/],
  ["Web/App", /not a repository path/],
  ["ghcr.io/acme/web:", /the tag \(empty\)/],
  ["ghcr.io/acme/web:-x", /not a valid tag/],
  ["ghcr.io//web", /not a repository path/],
  ["bad_host.io:99999x/web", /not a registry host/],
  ["x".repeat(600), /longer than 512/],
];

for (const [text, message] of bad) {
  Deno.test({
    name: `parseImageRef() refuses ${JSON.stringify(text.slice(0, 30))}`,
    permissions: "none",
    fn() {
      const r = parseImageRef(text);
      assert.equal(typeof r, "string", JSON.stringify(r));
      assert.match(r as string, message);
    },
  });
}

Deno.test({
  name:
    "isFullyQualified() and registryOf(): short names have no registry; index.docker.io is docker.io",
  permissions: "none",
  fn() {
    const ref = (t: string) => {
      const r = parseImageRef(t);
      assert.ok(typeof r !== "string", r as string);
      return r;
    };
    assert.equal(isFullyQualified(ref("redis:7")), false);
    assert.equal(isFullyQualified(ref("docker.io/library/redis:7")), true);
    assert.equal(registryOf(ref("index.docker.io/library/redis")), "docker.io");
    assert.equal(registryOf(ref("ghcr.io/a/b")), "ghcr.io");
  },
});
