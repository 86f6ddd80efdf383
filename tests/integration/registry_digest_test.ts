/**
 * The update check's registry query against a real registry (Debian's docker-registry 2.8 with
 * htpasswd, started by the test): a manifest pushed through the distribution API, then its digest
 * asked for by tag without any pull, with the right, a wrong and no password, and for a tag that
 * does not exist. The password never appears in an error. The Bearer token flow (Docker Hub,
 * ghcr.io) is checked against a labelled stand-in: no real token server can run here.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createRegistryDigests } from "../../lib/adapters/registry_digest.ts";
import { HoistError } from "../../lib/errors.ts";
import { registryMissing, startRegistry } from "../support/registry.ts";
import { withTempDir } from "./helpers.ts";

const missing = registryMissing();
const digests = createRegistryDigests({ timeoutMs: 10_000 });
const sha = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Pushes a config blob and an OCI manifest naming it under `name:tag`; returns its digest. */
async function pushManifest(
  host: string,
  auth: string,
  name: string,
  tag: string,
  note: string,
): Promise<string> {
  const headers = { Authorization: auth };
  const config = new TextEncoder().encode(JSON.stringify({ note }));
  const start = await fetch(`http://${host}/v2/${name}/blobs/uploads/`, {
    method: "POST",
    headers,
  });
  await start.body?.cancel();
  assert.equal(start.status, 202);
  const location = new URL(start.headers.get("location") ?? "", `http://${host}`);
  location.searchParams.set("digest", sha(config));
  const put = await fetch(location, {
    method: "PUT",
    headers: { ...headers, "Content-Type": "application/octet-stream" },
    body: config,
  });
  await put.body?.cancel();
  assert.equal(put.status, 201);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: sha(config),
      size: config.length,
    },
    layers: [],
  });
  const m = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, {
    method: "PUT",
    headers: { ...headers, "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
    body: manifest,
  });
  await m.body?.cancel();
  assert.equal(m.status, 201, `manifest push: ${m.status}`);
  return sha(manifest);
}

async function refused(p: Promise<unknown>, password: string): Promise<HoistError> {
  const e = await p.then(() => undefined, (e) => e);
  assert.ok(e instanceof HoistError, String(e));
  assert.ok(!`${e.message} ${e.hint}`.includes(password), "the password leaked");
  return e;
}

Deno.test({
  name: "digest() asks the registry for a tag's digest without pulling; refusals name the status",
  ignore: missing !== undefined,
  async fn() {
    await withTempDir(async (dir) => {
      const registry = await startRegistry(dir);
      try {
        const login = { username: registry.user, password: registry.password };
        const basic = `Basic ${btoa(`${registry.user}:${registry.password}`)}`;
        const v1 = await pushManifest(registry.host, basic, "team/web", "1", "one");
        const ref = {
          text: `${registry.host}/team/web:1`,
          registry: registry.host,
          path: "team/web",
        };
        assert.equal(await digests.digest({ ...ref, tag: "1" }, login), v1);
        // the tag moves: the next check sees the new digest
        const v2 = await pushManifest(registry.host, basic, "team/web", "1", "two");
        assert.notEqual(v2, v1);
        assert.equal(await digests.digest({ ...ref, tag: "1" }, login), v2);

        const wrong = await refused(
          digests.digest({ ...ref, tag: "1" }, { ...login, password: "wrong-password" }),
          "wrong-password",
        );
        assert.match(wrong.message, /^cannot check 127\.0\.0\.1:\d+\/team\/web:1: .*401/);
        assert.match(wrong.hint ?? "", /\[\[registries\]\]/);
        const anonymous = await refused(digests.digest({ ...ref, tag: "1" }, undefined), "x");
        assert.match(anonymous.message, /401/);
        const none = await refused(
          digests.digest({ ...ref, tag: "nope" }, login),
          registry.password,
        );
        assert.match(none.message, /404/);
      } finally {
        await registry.stop();
      }
    });
  },
});

Deno.test("digest() follows a Bearer challenge: token from the realm with the login, then the manifest (stand-in registry)", async () => {
  // a labelled stand-in for a token-auth registry (Docker Hub, ghcr.io): no real one runs here
  const digest = "sha256:" + "d".repeat(64);
  const seen: string[] = [];
  const ac = new AbortController();
  let base = "";
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  }, (req) => {
    const url = new URL(req.url);
    const auth = req.headers.get("authorization") ?? "";
    seen.push(`${req.method} ${url.pathname}${url.search} ${auth.split(" ")[0] ?? ""}`);
    if (url.pathname === "/token") {
      return auth === `Basic ${btoa("me:tok")}`
        ? Response.json({ token: "T1" })
        : new Response("no", { status: 401 });
    }
    if (auth !== "Bearer T1") {
      return new Response(null, {
        status: 401,
        headers: {
          "WWW-Authenticate":
            `Bearer realm="${base}/token",service="stand-in",scope="repository:acme/web:pull"`,
        },
      });
    }
    return new Response(null, { status: 200, headers: { "Docker-Content-Digest": digest } });
  });
  const host = `127.0.0.1:${server.addr.port}`;
  base = `http://${host}`;
  try {
    const ref = { text: `${host}/acme/web:1`, registry: host, path: "acme/web", tag: "1" };
    assert.equal(await digests.digest(ref, { username: "me", password: "tok" }), digest);
    assert.deepEqual(seen, [
      "HEAD /v2/acme/web/manifests/1 ",
      "GET /token?service=stand-in&scope=repository%3Aacme%2Fweb%3Apull Basic",
      "HEAD /v2/acme/web/manifests/1 Bearer",
    ]);
  } finally {
    ac.abort();
    await server.finished;
  }
});
