/** The recorded update checks: what plan says about them, merging, and a damaged file. */
import assert from "node:assert/strict";
import {
  type ImageCheck,
  mergeImageChecks,
  parseImageChecks,
  updateNotes,
  withImageNotes,
} from "../../lib/images/image_checks.ts";
import { cleanDesired, configYml, manifest } from "../reconcile/helpers.ts";
import { PURE } from "../support/pure.ts";

const A = "sha256:" + "a".repeat(64);
const B = "sha256:" + "b".repeat(64);
const AT = "2026-12-02T06:00:00.000Z";
const check = (over: Partial<ImageCheck>): ImageCheck => ({
  service: "web",
  image: "ghcr.io/acme/web:1",
  policy: "manual",
  local: A,
  remote: B,
  at: AT,
  ...over,
});

const D = cleanDesired({
  "config.yml": "services:\n  web: {}\n  cache:\n    images: auto\n",
  "web/manifest.yml": manifest("ghcr.io/acme/web:1"),
  "cache/manifest.yml": manifest("redis:7"),
});

Deno.test({
  name:
    "updateNotes() names the image and both digests for a manual or auto service, with the command",
  permissions: PURE,
  fn() {
    const notes = updateNotes(
      { checks: [check({}), check({ service: "api", policy: "auto" })] },
      new Map([["web", ["ghcr.io/acme/web:1"]], ["api", ["ghcr.io/acme/web:1"]]]),
    );
    assert.deepEqual(notes.map((n) => [n.level, n.service, n.message, n.hint]), [
      [
        "warning",
        "web",
        `web: image update available: ghcr.io/acme/web:1 (sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…), checked ${AT}`,
        "Apply it with hoist update web",
      ],
      [
        "warning",
        "api",
        `api: image update available: ghcr.io/acme/web:1 (sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…), checked ${AT}`,
        "It is applied at the next scheduled check, or now with hoist update api",
      ],
    ]);
  },
});

Deno.test({
  name: "updateNotes() says nothing when current, pinned, failed, or for an image no longer run",
  permissions: PURE,
  fn() {
    const current = new Map([["web", ["ghcr.io/acme/web:1"]]]);
    for (
      const c of <ImageCheck[]> [
        check({ remote: A }),
        check({ policy: "pinned" }),
        { service: "web", image: "ghcr.io/acme/web:1", policy: "manual", error: "x", at: AT },
        check({ image: "ghcr.io/acme/web:0" }),
        check({ service: "gone" }),
      ]
    ) {
      assert.deepEqual(updateNotes({ checks: [c] }, current), [], JSON.stringify(c));
    }
  },
});

Deno.test({
  name: "withImageNotes() adds the update and warns about a short name under auto",
  permissions: PURE,
  fn() {
    const d = withImageNotes(D, { checks: [check({})] });
    assert.deepEqual(d.problems.map((p) => p.message.replace(/, checked .*/, "")), [
      "web: image update available: ghcr.io/acme/web:1 (sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…)",
      "cache: redis:7 is a short name, which auto updates refuse: registries.conf would pick the registry (write it fully qualified, e.g. docker.io/library/redis:7)",
    ]);
    assert.equal(
      withImageNotes(
        cleanDesired({
          "config.yml": configYml(["web"]),
          "web/manifest.yml": manifest("ghcr.io/acme/web:1"),
        }),
        { checks: [] },
      ).problems.length,
      0,
    );
  },
});

Deno.test({
  name:
    "mergeImageChecks() replaces a service's image check, keeps the others, sorted; a damaged file is none",
  permissions: PURE,
  fn() {
    const prev = {
      autoCheckedAt: AT,
      checks: [check({ service: "web" }), check({ service: "api" })],
    };
    const next = mergeImageChecks(prev, [check({ service: "web", local: B })]);
    assert.deepEqual(next.checks.map((c) => [c.service, c.local]), [["api", A], ["web", B]]);
    assert.equal(next.autoCheckedAt, AT);
    assert.deepEqual(parseImageChecks(JSON.stringify(next)), next);
    assert.deepEqual(parseImageChecks("{not json"), { checks: [] });
    assert.deepEqual(parseImageChecks(undefined), { checks: [] });
  },
});
